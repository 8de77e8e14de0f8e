//go:build unix

package accounts

import "os"

// syncDir makes a new name in dir durable (fsync(2) on the folder).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
