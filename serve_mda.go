package main

// mdaComponent wires the Mail Delivery Agent (package mda) into the SMTP
// instance. TODO(#4): replace the placeholder with package mda.
func (a *app) mdaComponent() (component, error) {
	return a.idleAgent("MDA", "Mail Delivery Agent"), nil
}
