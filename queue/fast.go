package queue

// SetDurable turns the tree's syncs on (the default) or off. With durable
// false (Durable=False, fast mode; implied by capture mode) no file and no
// folder is ever synced: every write, rename and removal still happens in
// the same order, so a crash of mailq alone loses nothing the kernel has,
// but a power cut or a crash of the computer may lose mail already
// answered with 250, which breaks DURABILITY rule 1 on purpose. It is for
// throwaway test servers, where speed matters more; the start-up summary
// says so. Call it before the tree is shared.
func (t *Tree) SetDurable(durable bool) { t.fast = !durable }
