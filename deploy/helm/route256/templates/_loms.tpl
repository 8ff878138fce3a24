{{/* LOMS's settings: its shards are CloudNativePG clusters (through their Poolers) or external URLs */}}
{{- define "route256.lomsConfig" -}}
LOMS_STORAGE: postgres
LOMS_EVENTS: kafka
LOMS_KAFKA_BROKERS: {{ include "route256.kafkaBootstrap" . | quote }}
LOMS_PG_STOCK_SHARD: {{ .Values.postgres.stockShard | quote }}
LOMS_PG_POOL_MAX: {{ .Values.postgres.poolMax | quote }}
LOMS_ORDER_TTL_MS: {{ .Values.loms.orderTtlMs | quote }}
{{- if .Values.postgres.external.shards }}
LOMS_PG_PREPARE: {{ .Values.postgres.external.prepare | quote }}
{{- else }}
# PgBouncer in transaction mode: a server connection is not the client's between transactions
LOMS_PG_PREPARE: "false"
{{- end }}
{{- end -}}

{{/* External shard URLs hold passwords: they go into LOMS's Secret */}}
{{- define "route256.lomsSecret" -}}
{{- with .Values.postgres.external.shards }}
{{- $primaries := list }}
{{- $replicas := list }}
{{- $listen := list }}
{{- range . }}
{{- $primaries = append $primaries (required "postgres.external.shards[].primary is required" .primary) }}
{{- if .replica }}{{ $replicas = append $replicas .replica }}{{ end }}
{{- if .listen }}{{ $listen = append $listen .listen }}{{ end }}
{{- end }}
LOMS_PG_PRIMARIES: {{ join "," $primaries | quote }}
{{- if $listen }}
{{- if ne (len $listen) (len .) }}
{{- fail "postgres.external.shards: give every shard a listen URL, or none" }}
{{- end }}
# where the outbox relay LISTENs: the primaries themselves, when `primary` is a transaction-mode pooler
LOMS_PG_LISTEN: {{ join "," $listen | quote }}
{{- end }}
{{- if $replicas }}
{{- if ne (len $replicas) (len .) }}
{{- fail "postgres.external.shards: give every shard a replica, or none" }}
{{- end }}
LOMS_PG_REPLICAS: {{ join "," $replicas | quote }}
{{- else }}
# no replicas: LOMS reads from the primaries (an empty list, not the built-in default)
LOMS_PG_REPLICAS: ""
{{- end }}
{{- end }}
{{- end -}}

{{/*
In-cluster shards: each CloudNativePG cluster keeps its application user's password in the Secret
<cluster>-app; Kubernetes expands $(VAR) from entries defined before, so the URLs never pass through
the chart's values. Writes go through the Pooler (PgBouncer) to the primary, reads to the -ro service
(the synchronous replica).
*/}}
{{- define "route256.lomsShardEnv" -}}
{{- if .Values.postgres.external.shards }}
[]
{{- else }}
{{- $c := .Values.postgres.cnpg }}
{{- $primaries := list }}
{{- $replicas := list }}
{{- $listen := list }}
{{- range $i := until (int $c.shards) }}
{{- $cluster := include "route256.pgCluster" (dict "root" $ "i" $i) }}
- name: LOMS_PG_SHARD{{ $i }}_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $cluster }}-app
      key: password
{{- $primaries = append $primaries (printf "postgres://%s:$(LOMS_PG_SHARD%d_PASSWORD)@%s-pooler-rw:5432/%s" $c.owner $i $cluster $c.database) }}
{{- $replicas = append $replicas (printf "postgres://%s:$(LOMS_PG_SHARD%d_PASSWORD)@%s-ro:5432/%s" $c.owner $i $cluster $c.database) }}
{{- $listen = append $listen (printf "postgres://%s:$(LOMS_PG_SHARD%d_PASSWORD)@%s-rw:5432/%s" $c.owner $i $cluster $c.database) }}
{{- end }}
- name: LOMS_PG_PRIMARIES
  value: {{ join "," $primaries | quote }}
- name: LOMS_PG_REPLICAS
  value: {{ join "," $replicas | quote }}
# The outbox relay LISTENs for committed events on the primary itself (-rw): a transaction-mode
# pooler hands the session's server connection to others, and notifications with it.
- name: LOMS_PG_LISTEN
  value: {{ join "," $listen | quote }}
{{- end }}
{{- end -}}
