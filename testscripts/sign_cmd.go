package testscripts

import (
	"fmt"
	"io"
	"os"

	"aead.dev/minisign"
	"github.com/bootagent/bootagent/syntax"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdMinisignKey: minisign-key KEYFILE PUBFILE VAR — generates a minisign
// key pair, writes the private key (unencrypted) to KEYFILE and the public
// key to PUBFILE as `minisign -G` does, and sets $VAR to its key id as
// minisign prints it.
func cmdMinisignKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: minisign-key KEYFILE PUBFILE VAR")
	}
	pub, priv, err := minisign.GenerateKey(nil)
	ts.Check(err)
	privText, err := priv.MarshalText()
	ts.Check(err)
	pubText, err := pub.MarshalText()
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), privText, 0o600))
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), append(pubText, '\n'), 0o644))
	id := syntax.KeyID(pub.ID())
	fmt.Fprintln(ts.Stdout(), id)
	ts.Setenv(args[2], id)
}

// cmdMinisignSign: minisign-sign KEYFILE FILE — signs FILE with the key
// minisign-key wrote, prehashed as `minisign -Sm FILE` does, into
// FILE.minisig.
func cmdMinisignSign(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: minisign-sign KEYFILE FILE")
	}
	keyText, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var priv minisign.PrivateKey
	ts.Check(priv.UnmarshalText(keyText))
	f, err := os.Open(ts.MkAbs(args[1]))
	ts.Check(err)
	defer f.Close()
	r := minisign.NewReader(f)
	_, err = io.Copy(io.Discard, r)
	ts.Check(err)
	sig := r.SignWithComments(priv, "file:"+args[1], "signature from minisign secret key")
	ts.Check(os.WriteFile(ts.MkAbs(args[1])+".minisig", sig, 0o644))
}
