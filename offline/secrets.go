package offline

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
)

// passphraseCrypter opens the passphrase secrets provider's state, the
// encryptionsalt of a stack file: "v1:<base64 salt>:<"pulumi" encrypted with
// the key>". The key is derived from the passphrase and the salt (PBKDF2,
// AES-256-GCM) by the SDK; the encrypted "pulumi" proves the passphrase is
// the right one. This follows the CLI's passphrase secrets manager, which
// lives in the CLI's module, not in the SDK.
// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/secrets/passphrase/manager.go
func passphraseCrypter(phrase, state string) (config.Crypter, error) {
	parts := strings.SplitN(state, ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, fmt.Errorf("encryptionsalt %q is not a passphrase provider's v1 state", state)
	}
	salt, err := base64.StdEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("encryptionsalt: %w", err)
	}
	crypter := config.NewSymmetricCrypterFromPassphrase(phrase, salt)
	if check, err := crypter.DecryptValue(context.Background(), parts[2]); err != nil || check != "pulumi" {
		return nil, errors.New("incorrect passphrase")
	}
	return crypter, nil
}
