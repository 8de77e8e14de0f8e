package queue

// The kinds of sync a Tree makes, as its sync seam sees them.
const (
	syncKindFile   = "file"
	syncKindFolder = "folder"
)

// sync runs do, the sync of path (a file or a folder). Every durable step of
// the tree, file sync and folder sync alike, goes through here, so that a
// test can record which files and folders were synced and in what order, or
// make one of them fail (DURABILITY rules 1, 5 and 7).
func (t *Tree) sync(kind, path string, do func() error) error {
	if t.fast {
		return nil // Durable=False (fast.go)
	}
	if t.syncHook != nil {
		return t.syncHook(kind, path, do)
	}
	return do()
}

// syncFile syncs the temporary file f, written at path, through the seam.
func (t *Tree) syncFile(f tempFile, path string) error {
	return t.sync(syncKindFile, path, f.Sync)
}

// syncDir makes the names in dir durable through the seam (syncDir of
// fs_unix.go; nothing on Windows).
func (t *Tree) syncDir(dir string) error {
	return t.sync(syncKindFolder, dir, func() error { return syncDir(dir) })
}
