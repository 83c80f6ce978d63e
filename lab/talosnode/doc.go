// Package talosnode runs real Talos nodes on one Linux machine: machined
// v1.14.1 (with apid, containerd v2.3.5 and runc) in Talos's container
// platform mode, each in its own network, mount, PID, UTS, IPC and cgroup
// namespaces, root read-only, /proc/sys read-only except net, reboot, time,
// module and syslog capabilities dropped.
//
// Build compiles machined from the Talos module source (two fixed source
// changes, see sourceChanges) and containerd from its module, unpacks runc
// and busybox from Debian packages, and caches the assembled root by
// version. Cluster generates machine configs and the talosconfig with
// machinery; Node boots, stops and wipes one node; Client and WaitRunning
// talk to it over the Talos API. Package lab builds its tailnet on these.
package talosnode
