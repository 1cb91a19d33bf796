{{/* Chart name, overridable. */}}
{{- define "regional-failover.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name. Truncated at 63 characters because some Kubernetes
name fields are limited to that (DNS-1123 labels).
*/}}
{{- define "regional-failover.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "regional-failover.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: must never change after the first install (Deployment selectors are immutable). */}}
{{- define "regional-failover.selectorLabels" -}}
app.kubernetes.io/name: {{ include "regional-failover.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "regional-failover.labels" -}}
helm.sh/chart: {{ include "regional-failover.chart" . }}
{{ include "regional-failover.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: regional-failover
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "regional-failover.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "regional-failover.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Digest wins over tag: a digest pins the exact bytes that were reviewed. */}}
{{- define "regional-failover.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "regional-failover.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.leaseNamespace }}
{{- end }}

{{/*
policy/v1 PodDisruptionBudget exists from Kubernetes 1.21; 1.20 only serves
policy/v1beta1. Discovery (helm install/upgrade) lists "group/version/Kind";
offline rendering (helm template) lists neither kind, so it gets policy/v1.
*/}}
{{- define "regional-failover.pdbApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" }}
{{- print "policy/v1" }}
{{- else if .Capabilities.APIVersions.Has "policy/v1beta1/PodDisruptionBudget" }}
{{- print "policy/v1beta1" }}
{{- else }}
{{- print "policy/v1" }}
{{- end }}
{{- end }}
