import { createHash } from "node:crypto";

/** A Lua script with its SHA1, for EVALSHA (EVAL only when the server does not know it yet). */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/**
 * Takes the next turn, atomically, for every process sharing KEYS[1] (the same GCRA as
 * local-limiter.ts). Times are integer microseconds: a double holds them exactly (< 2^53) and
 * sub-millisecond spacing does not drift. The clock is Redis TIME, so cart instances with skewed
 * clocks still agree on one schedule.
 *
 * KEYS[1] the TAT key; ARGV[1] interval (µs); ARGV[2] longest acceptable wait (µs), -1 for none.
 * Reply: {"late", wait} when the wait exceeds ARGV[2] (nothing is reserved), else
 * {"ok", wait, slot, tat}. Every value is a string: Redis truncates Lua numbers to integers in
 * replies, and the wait is in ms with a fraction; slot/tat are what release needs.
 *
 * The key expires when its TAT is reached: after that it would read as "free now" anyway.
 */
export const takeTurn = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
local slot = math.max(tat, now)
local wait = slot - now
local maxWait = tonumber(ARGV[2])
if maxWait >= 0 and wait > maxWait then
  return {'late', string.format('%.3f', wait / 1000)}
end
local nextTat = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', nextTat), 'PX', math.ceil((nextTat - now) / 1000) + 1)
return {'ok', string.format('%.3f', wait / 1000), string.format('%.0f', slot), string.format('%.0f', nextTat)}
`);

/**
 * Gives a cancelled turn back, but only when it is still the last one handed out (the TAT is the
 * one this turn set): then nobody queued behind it and moving the TAT back is safe. A turn in the
 * middle stays used — the waiters behind it already sleep towards their own turns.
 *
 * KEYS[1] the TAT key; ARGV[1] the TAT the turn set; ARGV[2] the turn's slot. Reply 1 when given back.
 */
export const giveBackTurn = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0
`);
