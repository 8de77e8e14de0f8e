//go:build unix && !linux && !darwin

package queue

// renameNoReplace renames oldpath to newpath and fails with an error
// matching fs.ErrExist if newpath exists: link(2) refuses an existing name
// atomically, where os.Rename would silently replace it (DURABILITY rule 4).
func renameNoReplace(oldpath, newpath string) error {
	err := linkNoReplace(oldpath, newpath)
	if err != nil && noLinks(err) {
		return statNoReplace(oldpath, newpath)
	}
	return err
}
