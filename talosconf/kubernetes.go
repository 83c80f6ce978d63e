package talosconf

import (
	"fmt"

	"github.com/siderolabs/talos/pkg/machinery/api/machine"
	"github.com/siderolabs/talos/pkg/machinery/compatibility"
	"github.com/siderolabs/talos/pkg/machinery/constants"
)

// KubernetesSupported reports, with machinery's compatibility tables,
// whether Talos talosVersion runs Kubernetes k8sVersion.
func KubernetesSupported(talosVersion, k8sVersion string) error {
	tv, err := compatibility.ParseTalosVersion(&machine.VersionInfo{Tag: talosVersion})
	if err != nil {
		return fmt.Errorf("talos version %q: %w", talosVersion, err)
	}
	kv, err := compatibility.ParseKubernetesVersion(k8sVersion)
	if err != nil {
		return fmt.Errorf("kubernetes version %q: %w", k8sVersion, err)
	}
	return kv.SupportedWith(tv)
}

// KubernetesVersionFor is the Kubernetes version to pin for a Talos
// version: machinery's default when that Talos supports it, else the .0
// release of the newest minor it does. talosctl always picks its own
// default, which an older Talos may refuse (Talos 1.13 stops at 1.36), so
// `talosctl gen config --talos-version` needs --kubernetes-version too.
func KubernetesVersionFor(talosVersion string) (string, error) {
	if KubernetesSupported(talosVersion, constants.DefaultKubernetesVersion) == nil {
		return constants.DefaultKubernetesVersion, nil
	}
	kv, err := compatibility.ParseKubernetesVersion(constants.DefaultKubernetesVersion)
	if err != nil {
		return "", err
	}
	major, minor := kvMajorMinor(kv.String())
	for m := minor - 1; m >= 0 && m >= minor-12; m-- {
		v := fmt.Sprintf("%d.%d.0", major, m)
		if KubernetesSupported(talosVersion, v) == nil {
			return v, nil
		}
	}
	return "", fmt.Errorf("no Kubernetes release up to %s is supported by Talos %s", constants.DefaultKubernetesVersion, talosVersion)
}

func kvMajorMinor(v string) (major, minor int) {
	_, _ = fmt.Sscanf(v, "%d.%d", &major, &minor)
	return major, minor
}
