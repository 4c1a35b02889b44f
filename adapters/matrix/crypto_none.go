//go:build !goolm

package matrix

import (
	"context"
	"errors"
)

// e2eeBuilt is false: this build carries no crypto code at all, so it
// needs neither libolm nor the crypto packages. Build with -tags goolm for
// encrypted rooms.
const e2eeBuilt = false

func (a *Adapter) setupCrypto(ctx context.Context) (e2ee, error) {
	return nil, errors.New("this build has no end-to-end encryption; build with -tags goolm")
}
