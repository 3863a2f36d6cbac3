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
