// Package facts is the home of the domain facts tailos states: each lives
// in exactly one of its leaf packages, which import nothing of tailos but
// one another, so every other package can import them.
//
//   - tailscaleext: the Tailscale system extension (official name, service
//     name and ID, the service spec's entrypoint, environment, mounts,
//     dependencies and restart policy).
//   - imagefactory: Image Factory's forms (schematic IDs, the empty and
//     well-known schematics, official extension names, installer images).
//   - tailnetip: the address ranges Tailscale assigns and MagicDNS's resolver.
//   - containerboot: the environment contract of containerboot per
//     Tailscale release (the variables it reads, the flags it passes).
//   - yamlerr: located errors in YAML input, formatted file:line: field: message.
//
// Masking and the shapes of credentials live in package secret, which is a
// leaf too.
package facts
