{{/* Names and labels. */}}
{{- define "bridge.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bridge.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bridge.labels" -}}
app.kubernetes.io/name: {{ include "bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component (workflows, confluence, opentext, webhook, codec, simulators). */}}
{{- define "bridge.selector" -}}
app.kubernetes.io/name: {{ include "bridge.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "bridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "bridge.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "bridge.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{/* The image of one worker build (its tag). */}}
{{- define "bridge.imageOf" -}}
{{ .root.Values.image.repository }}:{{ .tag }}
{{- end -}}

{{/* The backends' URLs: the values, or the in-cluster simulators. */}}
{{- define "bridge.confluenceURL" -}}
{{- if .Values.confluence.baseURL -}}
{{- .Values.confluence.baseURL -}}
{{- else if .Values.simulators.enabled -}}
{{- printf "http://%s-simulators:8090" (include "bridge.fullname" .) -}}
{{- else -}}
{{- fail "confluence.baseURL is required (or simulators.enabled for a trial)" -}}
{{- end -}}
{{- end -}}

{{- define "bridge.opentextURL" -}}
{{- if .Values.opentext.baseURL -}}
{{- .Values.opentext.baseURL -}}
{{- else if .Values.simulators.enabled -}}
{{- printf "http://%s-simulators:8091/otcs/cs.exe" (include "bridge.fullname" .) -}}
{{- else -}}
{{- fail "opentext.baseURL is required (or simulators.enabled for a trial)" -}}
{{- end -}}
{{- end -}}

{{- define "bridge.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end -}}

{{/* Temporal connection: every process. */}}
{{- define "bridge.temporalEnv" -}}
{{ include "bridge.temporalEnvOf" (dict "root" . "injected" false) | trim }}
{{- end -}}

{{/* The same, less what the Temporal Worker Controller injects into the pods it runs from its
     Connection (injected: true): address, namespace, API key, TLS server name, and TLS with mTLS. */}}
{{- define "bridge.temporalEnvOf" -}}
{{- $v := .root.Values -}}
{{- if not .injected }}
- name: TEMPORAL_ADDRESS
  value: {{ $v.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $v.temporal.namespace | quote }}
{{- end }}
{{- with $v.temporal.uiURL }}
- name: TEMPORAL_UI_URL
  value: {{ . | quote }}
{{- end }}
{{- if and $v.temporal.tls.enabled (not (and .injected $v.temporal.mtls.secret)) }}
- name: TEMPORAL_TLS
  value: "true"
{{- end }}
{{- if not .injected }}
{{- with $v.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if $v.temporal.tls.caSecret }}
- name: TEMPORAL_TLS_CA
  value: /etc/xecm-bridge/temporal-ca/ca.crt
{{- end }}
{{- if and $v.temporal.apiKey.secret (not .injected) }}
{{ include "bridge.secretEnv" (dict "name" "TEMPORAL_API_KEY" "secret" $v.temporal.apiKey.secret "key" $v.temporal.apiKey.key) }}
{{- end }}
{{- if $v.temporal.mtls.secret }}
- name: TEMPORAL_TLS_CERT
  value: /etc/xecm-bridge/temporal-mtls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/xecm-bridge/temporal-mtls/tls.key
{{- end }}
{{- if $v.codec.keysSecret }}
{{ include "bridge.secretEnv" (dict "name" "BRIDGE_CODEC_KEYS" "secret" $v.codec.keysSecret "key" $v.codec.keysKey) }}
{{- end }}
- name: BRIDGE_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{- end -}}

{{/* Worker Versioning (docs/kubernetes.md#rollouts). */}}

{{/* The Temporal Worker Deployment of a role: <namespace>/<fullname>-worker-<role>, the name the
     Temporal Worker Controller gives a WorkerDeployment of that name, so moving from mode deployment
     to mode controller keeps the deployment. */}}
{{- define "bridge.deploymentName" -}}
{{ .root.Release.Namespace }}/{{ include "bridge.fullname" .root }}-worker-{{ .role }}
{{- end -}}

{{/* The builds the workers run, as a JSON list of {tag, id, slug}: in mode deployment the current
     one (image.tag, build id versioning.buildID or the tag) and each of versioning.drainingBuilds;
     otherwise one build without an id. slug is the id as a name suffix and label value. */}}
{{- define "bridge.workerBuilds" -}}
{{- $v := .Values.versioning -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- $builds := list -}}
{{- if eq $v.mode "deployment" -}}
{{- range prepend $v.drainingBuilds (dict "tag" $tag "buildID" $v.buildID) -}}
{{- $id := default .tag .buildID -}}
{{- $slug := regexReplaceAll "[^a-z0-9-]" (lower $id) "-" | trunc 20 | trimAll "-" -}}
{{- $builds = append $builds (dict "tag" .tag "id" $id "slug" $slug) -}}
{{- end -}}
{{- else -}}
{{- $builds = list (dict "tag" $tag "id" "" "slug" "") -}}
{{- end -}}
{{- toJson $builds -}}
{{- end -}}

{{/* Tracing (docs/operations.md#tracing), only when tracing.otlpEndpoint is set: the OTLP endpoint and
     a service name per component. Called with (dict "root" $ "component" "worker-workflows"). */}}
{{- define "bridge.tracingEnv" -}}
{{- with .root.Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "xecm-bridge-%s" $.component | quote }}
{{- end }}
{{- end -}}

{{/* Backend connections: the workers. */}}
{{- define "bridge.backendEnv" -}}
- name: CONFLUENCE_BASE_URL
  value: {{ include "bridge.confluenceURL" . | quote }}
- name: CONFLUENCE_FLAVOR
  value: {{ .Values.confluence.flavor | quote }}
{{- if .Values.confluence.tokenKey }}
{{ include "bridge.secretEnv" (dict "name" "CONFLUENCE_TOKEN" "secret" .Values.confluence.credentialsSecret "key" .Values.confluence.tokenKey) }}
{{- else }}
- name: CONFLUENCE_EMAIL
  value: {{ .Values.confluence.email | quote }}
{{ include "bridge.secretEnv" (dict "name" "CONFLUENCE_API_TOKEN" "secret" .Values.confluence.credentialsSecret "key" .Values.confluence.apiTokenKey) }}
{{- end }}
- name: OTCS_BASE_URL
  value: {{ include "bridge.opentextURL" . | quote }}
- name: OTCS_USERNAME
  value: {{ .Values.opentext.username | quote }}
{{ include "bridge.secretEnv" (dict "name" "OTCS_PASSWORD" "secret" .Values.opentext.credentialsSecret "key" .Values.opentext.passwordKey) }}
{{- with .Values.opentext.domain }}
- name: OTCS_DOMAIN
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* The mapping file's path, and its volume when the chart mounts one. */}}
{{- define "bridge.mappingEnv" -}}
- name: BRIDGE_MAPPING_FILE
  value: {{ if or .Values.mapping.content .Values.mapping.existingConfigMap }}/etc/xecm-bridge/mapping/mapping.yaml{{ else }}/app/mapping.yaml{{ end }}
{{- end -}}

{{- define "bridge.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if or .Values.mapping.content .Values.mapping.existingConfigMap }}
- name: mapping
  mountPath: /etc/xecm-bridge/mapping
  readOnly: true
{{- end }}
{{- if .Values.temporal.tls.caSecret }}
- name: temporal-ca
  mountPath: /etc/xecm-bridge/temporal-ca
  readOnly: true
{{- end }}
{{- if .Values.temporal.mtls.secret }}
- name: temporal-mtls
  mountPath: /etc/xecm-bridge/temporal-mtls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "bridge.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- if or .Values.mapping.content .Values.mapping.existingConfigMap }}
- name: mapping
  configMap:
    name: {{ default (printf "%s-mapping" (include "bridge.fullname" .)) .Values.mapping.existingConfigMap }}
{{- end }}
{{- if .Values.temporal.tls.caSecret }}
- name: temporal-ca
  secret:
    secretName: {{ .Values.temporal.tls.caSecret }}
{{- end }}
{{- if .Values.temporal.mtls.secret }}
- name: temporal-mtls
  secret:
    secretName: {{ .Values.temporal.mtls.secret }}
{{- end }}
{{- end -}}

{{- define "bridge.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "bridge.podSpecCommon" -}}
serviceAccountName: {{ include "bridge.serviceAccountName" . }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
