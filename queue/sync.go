package queue

import "mailq/internal/osfile"

// The kinds of sync a Tree makes, as its sync seam sees them.
const (
	syncKindFile   = osfile.SyncKindFile
	syncKindFolder = osfile.SyncKindFolder
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

// syncDir makes the names in dir durable through the seam (DURABILITY rule
// 1, man 2 fsync; nothing on Windows, rule 14). Callers that need the same
// folder synced at the same time share the syncs (groupsync.go).
func (t *Tree) syncDir(dir string) error {
	if t.fast {
		return nil // Durable=False (fast.go)
	}
	return t.folders.get(dir).syncFolder(func() error {
		return t.sync(syncKindFolder, dir, func() error { return syncDir(dir) })
	})
}

// syncDir syncs the folder dir with osfile.SyncDir, which also forgives
// the file systems that cannot sync a folder.
func syncDir(dir string) error { return fileErr("sync folder", dir, osfile.SyncDir(dir)) }
