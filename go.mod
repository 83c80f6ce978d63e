module github.com/tailos/tailos

go 1.26.5

require (
	github.com/rogpeppe/go-internal v1.16.0
	github.com/spf13/cobra v1.10.2
	golang.org/x/term v0.35.0
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)

// Two of machinery v1.14.1's pinned dependencies are not served by the module
// proxy; these nearest served versions build and load/validate identically.
replace github.com/cosi-project/runtime v1.16.3 => github.com/cosi-project/runtime v1.16.2

replace github.com/jsimonetti/rtnetlink/v2 v2.2.1-0.20260802200809-43bafec815b3 => github.com/jsimonetti/rtnetlink/v2 v2.2.1-0.20260317095713-310581b9c6ac
