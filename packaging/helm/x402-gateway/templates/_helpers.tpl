{{/* The release's resource name. */}}
{{- define "x402-gateway.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the pods. */}}
{{- define "x402-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels on every resource. */}}
{{- define "x402-gateway.labels" -}}
{{ include "x402-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret the ${VAR} references come from. */}}
{{- define "x402-gateway.secretName" -}}
{{- .Values.existingSecret | default (include "x402-gateway.fullname" .) -}}
{{- end -}}

{{/* The gateway container. Another chart that has this one as a dependency may include it in
     its own pod spec to add the gateway as a sidecar. */}}
{{- define "x402-gateway.container" -}}
- name: x402-gateway
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args: ["--config", "/etc/x402-gateway/gateway.yaml"]
  ports:
    - { name: http, containerPort: {{ .Values.ports.http }} }
    - { name: admin, containerPort: {{ .Values.ports.admin }} }
  envFrom:
    - secretRef: { name: {{ include "x402-gateway.secretName" . }} }
  volumeMounts:
    - { name: x402-gateway-config, mountPath: /etc/x402-gateway, readOnly: true }
  readinessProbe:
    httpGet: { path: /readyz, port: admin }
    periodSeconds: 5
    failureThreshold: 2
  livenessProbe:
    httpGet: { path: /healthz, port: admin }
    periodSeconds: 10
    failureThreshold: 3
  lifecycle:
    preStop:
      exec: { command: ["sleep", "{{ .Values.preStopSleepSeconds }}"] }
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
{{- end -}}

{{/* mode: forward-auth: the shared secret the ingress controller sends. Given, else the one the
     Secret already holds, else a fresh random one. Each template renders on its own values, so a
     random value cannot be shared: the Ingress and Middleware examples need it given. */}}
{{- define "x402-gateway.forwardAuthSecret" -}}
{{- $examples := or .Values.forwardAuth.ingressNginx.enabled .Values.forwardAuth.traefik.enabled -}}
{{- if and $examples (not .Values.forwardAuth.secret) -}}
{{- fail "forwardAuth.secret is needed with the Ingress or Middleware examples, which carry it too: set it (openssl rand -hex 32)" -}}
{{- end -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "x402-gateway.fullname" .) -}}
{{- .Values.forwardAuth.secret | default (dig "data" "X402_FORWARD_AUTH_SECRET" "" $existing | b64dec) | default (randAlphaNum 48) -}}
{{- end -}}

{{/* mode: forward-auth: the gateway's auth service URL inside the cluster. */}}
{{- define "x402-gateway.authServiceUrl" -}}
{{- printf "http://%s.%s.svc.cluster.local:%v" (include "x402-gateway.fullname" .) .Release.Namespace .Values.service.port -}}
{{- end -}}
