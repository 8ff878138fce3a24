{{/* Names ------------------------------------------------------------------------------------------ */}}
{{- define "route256.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 24 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 24 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* labels of one component: (dict "root" $ "name" "loms") */}}
{{- define "route256.labels" -}}
{{ include "route256.selector" . }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/part-of: route256
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end -}}

{{/* selector labels of one component: (dict "root" $ "name" "loms") */}}
{{- define "route256.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* The application services: port, entry file and env prefix, as the code has them (config.ts) */}}
{{- define "route256.apps" -}}
products: { port: 8082, prefix: PRODUCTS }
loms: { port: 8084, prefix: LOMS }
cart: { port: 8080, prefix: CART }
notifier: { port: 8086, prefix: NOTIFIER }
{{- end -}}

{{- define "route256.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* In-cluster endpoints, or the external ones the values name ------------------------------------ */}}
{{- define "route256.kafkaBootstrap" -}}
{{- if .Values.kafka.external.bootstrap -}}
{{ .Values.kafka.external.bootstrap }}
{{- else -}}
{{ include "route256.fullname" . }}-kafka-kafka-bootstrap:9092
{{- end -}}
{{- end -}}

{{- define "route256.redisInCluster" -}}
{{- if not .Values.redis.external.url -}}true{{- end -}}
{{- end -}}

{{- define "route256.redisUrl" -}}
{{- if .Values.redis.external.url -}}
{{ .Values.redis.external.url }}
{{- else -}}
redis://{{ include "route256.fullname" . }}-redis:6379
{{- end -}}
{{- end -}}

{{/* CloudNativePG cluster of shard i: (dict "root" $ "i" 0) */}}
{{- define "route256.pgCluster" -}}
{{ include "route256.fullname" .root }}-pg-shard{{ .i }}
{{- end -}}

{{/* how many order shards LOMS has */}}
{{- define "route256.shardCount" -}}
{{- if .Values.postgres.external.shards -}}
{{ len .Values.postgres.external.shards }}
{{- else -}}
{{ .Values.postgres.cnpg.shards }}
{{- end -}}
{{- end -}}

{{/* terminationGracePeriodSeconds: the preStop sleep, then SHUTDOWN_GRACE_MS of draining, then 5 s for exit */}}
{{- define "route256.terminationGrace" -}}
{{ add .Values.preStopSleepSeconds (div (add .Values.shutdownGraceMs 999) 1000) 5 }}
{{- end -}}

{{/* Fail the render early on values the services would refuse at start */}}
{{- define "route256.validate" -}}
{{- $shards := int (include "route256.shardCount" .) -}}
{{- if lt $shards 1 -}}
{{- fail "postgres: at least one order shard (postgres.cnpg.shards or postgres.external.shards)" -}}
{{- end -}}
{{- if gt $shards 10 -}}
{{- fail "postgres: at most 10 order shards: the order id keeps its shard in its last decimal digit (README.md, Growing)" -}}
{{- end -}}
{{- if ge (int .Values.postgres.stockShard) $shards -}}
{{- fail (printf "postgres.stockShard: no such shard (%d shards)" $shards) -}}
{{- end -}}
{{- if not (has .Values.cart.productsToken .Values.products.tokens) -}}
{{- if not (or .Values.products.existingSecret .Values.cart.existingSecret) -}}
{{- fail "cart.productsToken must be one of products.tokens" -}}
{{- end -}}
{{- end -}}
{{- end -}}
