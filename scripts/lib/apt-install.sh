# apt-install.sh — sourced by scripts/ensure-*.sh: `apt_install PACKAGE` installs a Debian package quietly
# (as root, or through sudo), failing with a clear message on a machine without apt-get.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || { echo "$1 is needed and this is no Debian/Ubuntu machine: install it yourself" >&2; return 1; }
  local sudo=
  [[ "$(id -u)" -eq 0 ]] || sudo=sudo
  echo "installing $1 (Debian package)..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}
