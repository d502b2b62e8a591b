package uns

import (
	"context"
	"testing"

	"github.com/sigil-oidc/sigil/internal/chaintest"
)

// TestResolveNamesTheOwnersChain: a domain's ChainID is the chain id of
// the network its owner was read from (what that network's node answers to
// eth_chainId), so a domain held on L2 names L2's chain and one held only
// on L1 names L1's; the sign-in message states it (EIP-4361).
func TestResolveNamesTheOwnersChain(t *testing.T) {
	t.Parallel()
	l1, l2 := chaintest.StartWithChainID(t, 1), chaintest.StartWithChainID(t, 137)
	l1UNS, l2UNS := l1.DeployUNS(t), l2.DeployUNS(t)
	_, onL1 := l1.NewAccount(t)
	_, onL2 := l2.NewAccount(t)
	l1UNS.Mint(t, "l1only.crypto", onL1, nil)
	l1UNS.Mint(t, "both.crypto", onL1, nil)
	l2UNS.Mint(t, "both.crypto", onL2, nil)
	r := newResolver(t, Config{
		L1: Network{Name: "mainnet", RPCURL: l1.RPCURL, ProxyReader: l1UNS.ProxyReader.Hex()},
		L2: &Network{Name: "polygon", RPCURL: l2.RPCURL, ProxyReader: l2UNS.ProxyReader.Hex()},
	})
	ctx := context.Background()
	for range 2 { // the second round reads the cache and the kept chain ids
		for name, want := range map[string]int64{"l1only.crypto": 1, "both.crypto": 137} {
			d, err := r.Resolve(ctx, name)
			if err != nil {
				t.Fatalf("Resolve(%s): %v", name, err)
			}
			if d.ChainID != want {
				t.Errorf("Resolve(%s).ChainID = %d, want %d", name, d.ChainID, want)
			}
		}
	}
}
