{{/*
One application service: ConfigMap, Secret, Deployment, Service, HPA, PDB, ServiceMonitor.
Called as (dict "root" $ "name" "loms" "config" (dict ...) "secret" (dict ...) "env" (list ...)).
config / secret: the service's settings (NAME: value), rendered into the ConfigMap / Secret;
env: extra container env entries (values from the downward API or other Secrets).
*/}}
{{- define "route256.app" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $v := index $root.Values $name -}}
{{- $app := index (include "route256.apps" $root | fromYaml) $name -}}
{{- $fullname := printf "%s-%s" (include "route256.fullname" $root) $name -}}
{{- $secretName := $v.existingSecret | default $fullname -}}
{{- $config := dict
      (printf "%s_HOST" $app.prefix) "0.0.0.0"
      (printf "%s_PORT" $app.prefix) (toString $app.port)
      "LOG_LEVEL" $root.Values.logLevel
      "SHUTDOWN_GRACE_MS" (toString $root.Values.shutdownGraceMs)
      "OTEL_SERVICE_NAME" $name
-}}
{{- with $root.Values.otel.endpoint }}{{ $_ := set $config "OTEL_EXPORTER_OTLP_ENDPOINT" . }}{{ end -}}
{{- $config = merge (dict) $v.env .config $config -}}
{{- $secret := .secret -}}
{{- with $root.Values.adminToken }}{{ $_ := set $secret "ADMIN_TOKEN" . }}{{ end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 4 }}
data:
  {{- range $k, $val := $config }}
  {{ $k }}: {{ toString $val | quote }}
  {{- end }}
{{- if not $v.existingSecret }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 4 }}
type: Opaque
stringData:
  {{- if not $secret }} {}{{ end }}
  {{- range $k, $val := $secret }}
  {{ $k }}: {{ toString $val | quote }}
  {{- end }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 4 }}
spec:
  {{- if not (and $v.autoscaling $v.autoscaling.enabled) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "route256.selector" (dict "root" $root "name" $name) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 8 }}
      annotations:
        # a changed setting rolls the pods (env is read once, at start)
        checksum/config: {{ toJson $config | sha256sum }}
        checksum/secret: {{ toJson $secret | sha256sum }}
    spec:
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ include "route256.terminationGrace" $root }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "route256.selector" (dict "root" $root "name" $name) | nindent 14 }}
      containers:
        - name: {{ $name }}
          image: {{ include "route256.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["bun", "{{ $name }}/src/main.ts"]
          ports:
            - name: http
              containerPort: {{ $app.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $fullname }}
            - secretRef:
                name: {{ $secretName }}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)"
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          # started: the process answers (LOMS applies migrations first, so give it time)
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 60
          # ready: its dependencies answer and it is not draining (SIGTERM turns /readyz to 503)
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          lifecycle:
            # keep serving while endpoints drop this pod; SIGTERM follows, then SHUTDOWN_GRACE_MS of draining
            preStop:
              sleep:
                seconds: {{ $root.Values.preStopSleepSeconds }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: run
              mountPath: /app/.run
      volumes:
        - name: tmp
          emptyDir: {}
        - name: run
          emptyDir: {}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 4 }}
spec:
  type: {{ $root.Values.service.type }}
  selector:
    {{- include "route256.selector" (dict "root" $root "name" $name) | nindent 4 }}
  ports:
    # gRPC, gRPC-Web, Connect and REST on one port, HTTP/1.1 and h2c
    - name: http
      port: {{ $app.port }}
      targetPort: http
      protocol: TCP
      appProtocol: {{ $root.Values.service.appProtocol }}
{{- if and $v.autoscaling $v.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $fullname }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      # a load dip shorter than this does not shed pods (and their warm pools and caches)
      stabilizationWindowSeconds: 300
{{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 4 }}
spec:
  {{- toYaml $v.pdb | nindent 2 }}
  selector:
    matchLabels:
      {{- include "route256.selector" (dict "root" $root "name" $name) | nindent 6 }}
{{- if $root.Values.monitoring.serviceMonitor.enabled }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "route256.labels" (dict "root" $root "name" $name) | nindent 4 }}
    {{- with $root.Values.monitoring.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "route256.selector" (dict "root" $root "name" $name) | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $root.Values.monitoring.serviceMonitor.interval }}
{{- end }}
{{- end -}}
