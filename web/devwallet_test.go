package web

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// harness is run by Node. It imports the static modules by absolute file
// URL, signs with them and prints what it found as JSON.
const harness = `
import { readFileSync } from 'node:fs';

const [libURL, devURL, inputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const lib = await import(libURL);
const enc = new TextEncoder();
const out = { keccak: [], keys: [] };

for (const h of input.keccak) out.keccak.push(lib.bytesToHex(lib.keccak256(lib.hexToBytes(h))));

for (const key of input.keys) {
  const entry = { address: lib.privateToAddress(key), signatures: [] };
  for (const m of input.messages) entry.signatures.push(await lib.personalSign(key, enc.encode(m)));
  out.keys.push(entry);
}

// The development wallet, with window played by an EventTarget.
globalThis.window = new EventTarget();
const announced = [];
window.addEventListener('eip6963:announceProvider', (e) => announced.push(e.detail));
const dev = await import(devURL);
const key = input.keys[0];
const provider = dev.installDevWallet(key, {}, window);
window.dispatchEvent(new Event('eip6963:requestProvider'));
const address = (await provider.request({ method: 'eth_accounts' }))[0];
const code = (p) => p.then(() => 'resolved', (e) => e.code);
out.dev = {
  announcements: announced.length,
  sameProvider: announced.every((a) => a.provider === provider),
  info: announced[0] && announced[0].info,
  accounts: await provider.request({ method: 'eth_requestAccounts' }),
  chainId: await provider.request({ method: 'eth_chainId' }),
  signHex: await provider.request({
    method: 'personal_sign',
    params: ['0x' + lib.bytesToHex(enc.encode(input.messages[0])), address],
  }),
  signText: await provider.request({ method: 'personal_sign', params: [input.messages[0], address.toLowerCase()] }),
  unsupported: await code(provider.request({ method: 'eth_sendTransaction', params: [{}] })),
  wrongAddress: await code(provider.request({
    method: 'personal_sign',
    params: ['0x00', '0x0000000000000000000000000000000000000001'],
  })),
  declined: await code(dev.createProvider(key, { confirm: async () => false }).request({
    method: 'personal_sign',
    params: ['hello', address],
  })),
};
console.log(JSON.stringify(out));
`

type harnessOutput struct {
	Keccak []string `json:"keccak"`
	Keys   []struct {
		Address    string   `json:"address"`
		Signatures []string `json:"signatures"`
	} `json:"keys"`
	Dev struct {
		Announcements int  `json:"announcements"`
		SameProvider  bool `json:"sameProvider"`
		Info          struct {
			UUID string `json:"uuid"`
			Name string `json:"name"`
			Icon string `json:"icon"`
			RDNS string `json:"rdns"`
		} `json:"info"`
		Accounts     []string `json:"accounts"`
		ChainID      string   `json:"chainId"`
		SignHex      string   `json:"signHex"`
		SignText     string   `json:"signText"`
		Unsupported  any      `json:"unsupported"`
		WrongAddress any      `json:"wrongAddress"`
		Declined     any      `json:"declined"`
	} `json:"dev"`
}

// nodePath finds Node, which every machine that runs these tests has.
func nodePath(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required to test the JavaScript: %v", err)
	}
	return node
}

func fileURL(t *testing.T, rel string) string {
	t.Helper()
	abs, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

func runNode(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodePath(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func TestDevWalletSignatures(t *testing.T) {
	generated, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	n := crypto.S256().Params().N
	keys := []*ecdsa.PrivateKey{generated}
	// Edge keys: 1, n - 1 and one with leading zero bytes.
	for _, d := range []*big.Int{
		big.NewInt(1),
		new(big.Int).Sub(n, big.NewInt(1)),
		new(big.Int).SetBytes(common.FromHex("0x0000000000000000c0ffee254729296a45a3885639ac7e10f9d54979b3b9c7c4")),
	} {
		k, err := crypto.ToECDSA(common.LeftPadBytes(d.Bytes(), 32))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	keyHex := make([]string, len(keys))
	for i, k := range keys {
		keyHex[i] = "0x" + hex.EncodeToString(crypto.FromECDSA(k))
	}

	messages := []string{
		"Hello, Sigil!",
		"localhost:8080 wants you to sign in with your Ethereum account:\n" +
			"0x8ba1f109551bD432803012645Ac136ddd64DBA72\n\n" +
			"Sign in to Example App as alice.crypto\n\n" +
			"URI: http://localhost:8080/login\nVersion: 1\nChain ID: 1\nNonce: 32891756\n" +
			"Issued At: 2021-09-30T16:25:24Z\nExpiration Time: 2021-09-30T16:30:24Z\nRequest ID: flow-123\n" +
			"Resources:\n- https://example.com/my-web2-claim.json",
		"Grüße aus Zürich — 東京 🚀 ✓",
		"",
		strings.Repeat("long message spanning several Keccak blocks. ", 12),
	}
	keccakInputs := [][]byte{
		{},
		[]byte("abc"),
		bytes.Repeat([]byte{0xa3}, 135),
		bytes.Repeat([]byte{0xa3}, 136),
		bytes.Repeat([]byte{0xa3}, 137),
		bytes.Repeat([]byte{0x5c}, 500),
	}
	input := map[string]any{"keys": keyHex, "messages": messages}
	kHex := make([]string, len(keccakInputs))
	for i, b := range keccakInputs {
		kHex[i] = hex.EncodeToString(b)
	}
	input["keccak"] = kHex

	dir := t.TempDir()
	harnessPath := filepath.Join(dir, "harness.mjs")
	inputPath := filepath.Join(dir, "input.json")
	inputJSON, _ := json.Marshal(input)
	if err := os.WriteFile(harnessPath, []byte(harness), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inputPath, inputJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	raw := runNode(t, harnessPath, fileURL(t, "static/js/secp256k1.js"), fileURL(t, "static/js/devwallet.js"), inputPath)
	var out harnessOutput
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("harness output: %v\n%s", err, raw)
	}

	// Keccak-256.
	if len(out.Keccak) != len(keccakInputs) {
		t.Fatalf("got %d keccak digests", len(out.Keccak))
	}
	if out.Keccak[0] != "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" {
		t.Errorf(`keccak256("") = %s`, out.Keccak[0])
	}
	for i, b := range keccakInputs {
		if want := hex.EncodeToString(crypto.Keccak256(b)); out.Keccak[i] != want {
			t.Errorf("keccak256(%d bytes) = %s, want %s", len(b), out.Keccak[i], want)
		}
	}

	// Addresses and signatures.
	halfN := new(big.Int).Rsh(n, 1)
	if len(out.Keys) != len(keys) {
		t.Fatalf("got %d keys", len(out.Keys))
	}
	for ki, k := range keys {
		want := crypto.PubkeyToAddress(k.PublicKey)
		got := out.Keys[ki]
		if got.Address != want.Hex() {
			t.Errorf("key %d: privateToAddress = %s, want %s (EIP-55)", ki, got.Address, want.Hex())
		}
		if len(got.Signatures) != len(messages) {
			t.Fatalf("key %d: got %d signatures", ki, len(got.Signatures))
		}
		for mi, msg := range messages {
			sig := common.FromHex(got.Signatures[mi])
			if len(sig) != 65 || !strings.HasPrefix(got.Signatures[mi], "0x") {
				t.Errorf("key %d message %d: signature %q is not 0x + 65 bytes", ki, mi, got.Signatures[mi])
				continue
			}
			if v := sig[64]; v != 27 && v != 28 {
				t.Errorf("key %d message %d: v = %d", ki, mi, v)
			}
			if s := new(big.Int).SetBytes(sig[32:64]); s.Cmp(halfN) > 0 {
				t.Errorf("key %d message %d: s is not low", ki, mi)
			}
			hash := accounts.TextHash([]byte(msg))
			rsv := bytes.Clone(sig)
			rsv[64] -= 27
			pub, err := crypto.SigToPub(hash, rsv)
			if err != nil {
				t.Errorf("key %d message %d: SigToPub: %v", ki, mi, err)
				continue
			}
			if rec := crypto.PubkeyToAddress(*pub); rec != want || rec.Hex() != got.Address {
				t.Errorf("key %d message %d: recovered %s, want %s", ki, mi, rec.Hex(), want.Hex())
			}
			// RFC 6979 nonces are deterministic, so the signature must be
			// exactly go-ethereum's.
			ref, err := crypto.Sign(hash, k)
			if err != nil {
				t.Fatal(err)
			}
			ref[64] += 27
			if !bytes.Equal(sig, ref) {
				t.Errorf("key %d message %d: signature differs from go-ethereum's\n got %x\nwant %x", ki, mi, sig, ref)
			}
		}
	}

	// The development wallet provider and its EIP-6963 announcements.
	dev := out.Dev
	addr := crypto.PubkeyToAddress(keys[0].PublicKey).Hex()
	if dev.Announcements != 2 || !dev.SameProvider {
		t.Errorf("announcements = %d (same provider %v), want 2 (on install and on request)", dev.Announcements, dev.SameProvider)
	}
	if dev.Info.Name != "Sigil development wallet" || dev.Info.RDNS != "dev.sigil.wallet" ||
		!strings.HasPrefix(dev.Info.Icon, "data:image/svg+xml,") || len(dev.Info.UUID) != 36 {
		t.Errorf("announced info = %+v", dev.Info)
	}
	if len(dev.Accounts) != 1 || dev.Accounts[0] != addr {
		t.Errorf("eth_requestAccounts = %v, want [%s]", dev.Accounts, addr)
	}
	if dev.ChainID != "0x1" {
		t.Errorf("eth_chainId = %q", dev.ChainID)
	}
	if dev.SignHex != out.Keys[0].Signatures[0] || dev.SignText != out.Keys[0].Signatures[0] {
		t.Errorf("personal_sign: hex %s, text %s, want %s", dev.SignHex, dev.SignText, out.Keys[0].Signatures[0])
	}
	for name, got := range map[string]struct {
		got  any
		want float64
	}{
		"unsupported method": {dev.Unsupported, 4200},
		"wrong address":      {dev.WrongAddress, 4100},
		"declined":           {dev.Declined, 4001},
	} {
		if got.got != got.want {
			t.Errorf("%s: error code %v, want %v", name, got.got, got.want)
		}
	}
}

// TestStaticJSSyntax has Node parse every static script as an ES module.
func TestStaticJSSyntax(t *testing.T) {
	nodePath(t)
	dir := t.TempDir()
	names, err := filepath.Glob("static/js/*.js")
	if err != nil || len(names) == 0 {
		t.Fatalf("no scripts found: %v", err)
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		copyPath := filepath.Join(dir, strings.TrimSuffix(filepath.Base(name), ".js")+".mjs")
		if err := os.WriteFile(copyPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
		runNode(t, "--check", copyPath)
	}
}
