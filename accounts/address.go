package accounts

import (
	"errors"
	"fmt"

	"mailq/address"
)

// canonical checks that addr can be an account and returns it in lower case,
// with address.ParseAccount, the parser the configuration uses too.
func canonical(addr string) (string, error) {
	a, err := address.ParseAccount(addr)
	if err != nil {
		var ae *address.AccountError
		errors.As(err, &ae)
		return "", fmt.Errorf("%w: %q: %s", ErrAddress, addr, ae.Why)
	}
	return a, nil
}
