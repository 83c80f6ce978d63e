apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: tailscale
environment:
  - TS_AUTHKEY={{ env "TS_AUTHKEY" }}
  - TS_HOSTNAME={{ .Node.Host }}
  - TS_ACCEPT_ROUTES=true
  - TS_EXTRA_ARGS=--advertise-tags=tag:talos
