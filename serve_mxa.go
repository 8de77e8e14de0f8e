package main

// mxaComponent wires the Mail Exchange Agent (package mxa) into the SMTP
// instance. TODO(#6): replace the placeholder with package mxa.
func (a *app) mxaComponent() (component, error) {
	return a.idleAgent("MXA", "Mail Exchange Agent"), nil
}
