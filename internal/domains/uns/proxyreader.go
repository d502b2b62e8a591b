// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package uns

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// ProxyReaderMetaData contains all meta data concerning the ProxyReader contract.
var ProxyReaderMetaData = bind.MetaData{
	ABI: "[{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint8\",\"name\":\"version\",\"type\":\"uint8\"}],\"name\":\"Initialized\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"tokenKey\",\"type\":\"string\"}],\"name\":\"SetLegacyRecords\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"string\",\"name\":\"network\",\"type\":\"string\"}],\"name\":\"SetNetworkFamily\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"NAME\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"VERSION\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string[]\",\"name\":\"networks\",\"type\":\"string[]\"},{\"internalType\":\"string[]\",\"name\":\"families\",\"type\":\"string[]\"}],\"name\":\"addBlockchainNetworks\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string[]\",\"name\":\"networks\",\"type\":\"string[]\"},{\"internalType\":\"string\",\"name\":\"family\",\"type\":\"string\"}],\"name\":\"addBlockchainNetworks\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string[]\",\"name\":\"keys\",\"type\":\"string[]\"},{\"internalType\":\"string[][]\",\"name\":\"legacyKeys\",\"type\":\"string[][]\"}],\"name\":\"addLegacyRecords\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"exists\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"get\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"network\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"token\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getAddress\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"addr\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"network\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"token\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getAddressKey\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"network\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"token\",\"type\":\"string\"}],\"name\":\"getAddressKeys\",\"outputs\":[{\"internalType\":\"string[]\",\"name\":\"keys\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getApproved\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"keyHash\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getByHash\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"key\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"value\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string[]\",\"name\":\"keys\",\"type\":\"string[]\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getData\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"resolver\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"string[]\",\"name\":\"values\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256[]\",\"name\":\"keyHashes\",\"type\":\"uint256[]\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getDataByHash\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"resolver\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"string[]\",\"name\":\"keys\",\"type\":\"string[]\"},{\"internalType\":\"string[]\",\"name\":\"values\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256[]\",\"name\":\"keyHashes\",\"type\":\"uint256[]\"},{\"internalType\":\"uint256[]\",\"name\":\"tokenIds\",\"type\":\"uint256[]\"}],\"name\":\"getDataByHashForMany\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"resolvers\",\"type\":\"address[]\"},{\"internalType\":\"address[]\",\"name\":\"owners\",\"type\":\"address[]\"},{\"internalType\":\"string[][]\",\"name\":\"keys\",\"type\":\"string[][]\"},{\"internalType\":\"string[][]\",\"name\":\"values\",\"type\":\"string[][]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string[]\",\"name\":\"keys\",\"type\":\"string[]\"},{\"internalType\":\"uint256[]\",\"name\":\"tokenIds\",\"type\":\"uint256[]\"}],\"name\":\"getDataForMany\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"resolvers\",\"type\":\"address[]\"},{\"internalType\":\"address[]\",\"name\":\"owners\",\"type\":\"address[]\"},{\"internalType\":\"string[][]\",\"name\":\"values\",\"type\":\"string[][]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string[]\",\"name\":\"keys\",\"type\":\"string[]\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getMany\",\"outputs\":[{\"internalType\":\"string[]\",\"name\":\"values\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256[]\",\"name\":\"keyHashes\",\"type\":\"uint256[]\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"getManyByHash\",\"outputs\":[{\"internalType\":\"string[]\",\"name\":\"keys\",\"type\":\"string[]\"},{\"internalType\":\"string[]\",\"name\":\"values\",\"type\":\"string[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"contractIUNSRegistry\",\"name\":\"unsRegistry\",\"type\":\"address\"},{\"internalType\":\"contractICNSRegistry\",\"name\":\"cnsRegistry\",\"type\":\"address\"}],\"name\":\"initialize\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isApprovedForAll\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"isApprovedOrOwner\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes[]\",\"name\":\"data\",\"type\":\"bytes[]\"}],\"name\":\"multicall\",\"outputs\":[{\"internalType\":\"bytes[]\",\"name\":\"results\",\"type\":\"bytes[]\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string[]\",\"name\":\"labels\",\"type\":\"string[]\"}],\"name\":\"namehash\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"ownerOf\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256[]\",\"name\":\"tokenIds\",\"type\":\"uint256[]\"}],\"name\":\"ownerOfForMany\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"owners\",\"type\":\"address[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"registryOf\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"resolverOf\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"addr\",\"type\":\"address\"}],\"name\":\"reverseNameOf\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"addr\",\"type\":\"address\"}],\"name\":\"reverseOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"addr\",\"type\":\"address\"}],\"name\":\"setOwner\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes4\",\"name\":\"interfaceId\",\"type\":\"bytes4\"}],\"name\":\"supportsInterface\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"tokenId\",\"type\":\"uint256\"}],\"name\":\"tokenURI\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "ProxyReader",
}

// ProxyReader is an auto generated Go binding around an Ethereum contract.
type ProxyReader struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ProxyReader) GetABI() abi.ABI {
	return c.abi
}

// NewProxyReader creates a new instance of ProxyReader.
func NewProxyReader() *ProxyReader {
	parsed, err := ProxyReaderMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ProxyReader{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ProxyReader) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackNAME is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa3f4df7e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function NAME() view returns(string)
func (proxyReader *ProxyReader) PackNAME() []byte {
	enc, err := proxyReader.abi.Pack("NAME")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackNAME is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa3f4df7e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function NAME() view returns(string)
func (proxyReader *ProxyReader) TryPackNAME() ([]byte, error) {
	return proxyReader.abi.Pack("NAME")
}

// UnpackNAME is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa3f4df7e.
//
// Solidity: function NAME() view returns(string)
func (proxyReader *ProxyReader) UnpackNAME(data []byte) (string, error) {
	out, err := proxyReader.abi.Unpack("NAME", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xffa1ad74.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function VERSION() view returns(string)
func (proxyReader *ProxyReader) PackVERSION() []byte {
	enc, err := proxyReader.abi.Pack("VERSION")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVERSION is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xffa1ad74.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function VERSION() view returns(string)
func (proxyReader *ProxyReader) TryPackVERSION() ([]byte, error) {
	return proxyReader.abi.Pack("VERSION")
}

// UnpackVERSION is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xffa1ad74.
//
// Solidity: function VERSION() view returns(string)
func (proxyReader *ProxyReader) UnpackVERSION(data []byte) (string, error) {
	out, err := proxyReader.abi.Unpack("VERSION", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackAddBlockchainNetworks is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf0592359.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addBlockchainNetworks(string[] networks, string[] families) returns()
func (proxyReader *ProxyReader) PackAddBlockchainNetworks(networks []string, families []string) []byte {
	enc, err := proxyReader.abi.Pack("addBlockchainNetworks", networks, families)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddBlockchainNetworks is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf0592359.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addBlockchainNetworks(string[] networks, string[] families) returns()
func (proxyReader *ProxyReader) TryPackAddBlockchainNetworks(networks []string, families []string) ([]byte, error) {
	return proxyReader.abi.Pack("addBlockchainNetworks", networks, families)
}

// PackAddBlockchainNetworks0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xffad6f55.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addBlockchainNetworks(string[] networks, string family) returns()
func (proxyReader *ProxyReader) PackAddBlockchainNetworks0(networks []string, family string) []byte {
	enc, err := proxyReader.abi.Pack("addBlockchainNetworks0", networks, family)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddBlockchainNetworks0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xffad6f55.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addBlockchainNetworks(string[] networks, string family) returns()
func (proxyReader *ProxyReader) TryPackAddBlockchainNetworks0(networks []string, family string) ([]byte, error) {
	return proxyReader.abi.Pack("addBlockchainNetworks0", networks, family)
}

// PackAddLegacyRecords is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4bd79ed0.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addLegacyRecords(string[] keys, string[][] legacyKeys) returns()
func (proxyReader *ProxyReader) PackAddLegacyRecords(keys []string, legacyKeys [][]string) []byte {
	enc, err := proxyReader.abi.Pack("addLegacyRecords", keys, legacyKeys)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddLegacyRecords is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4bd79ed0.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addLegacyRecords(string[] keys, string[][] legacyKeys) returns()
func (proxyReader *ProxyReader) TryPackAddLegacyRecords(keys []string, legacyKeys [][]string) ([]byte, error) {
	return proxyReader.abi.Pack("addLegacyRecords", keys, legacyKeys)
}

// PackBalanceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70a08231.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function balanceOf(address owner) view returns(uint256)
func (proxyReader *ProxyReader) PackBalanceOf(owner common.Address) []byte {
	enc, err := proxyReader.abi.Pack("balanceOf", owner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBalanceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70a08231.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function balanceOf(address owner) view returns(uint256)
func (proxyReader *ProxyReader) TryPackBalanceOf(owner common.Address) ([]byte, error) {
	return proxyReader.abi.Pack("balanceOf", owner)
}

// UnpackBalanceOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x70a08231.
//
// Solidity: function balanceOf(address owner) view returns(uint256)
func (proxyReader *ProxyReader) UnpackBalanceOf(data []byte) (*big.Int, error) {
	out, err := proxyReader.abi.Unpack("balanceOf", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackExists is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4f558e79.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function exists(uint256 tokenId) view returns(bool)
func (proxyReader *ProxyReader) PackExists(tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("exists", tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackExists is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4f558e79.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function exists(uint256 tokenId) view returns(bool)
func (proxyReader *ProxyReader) TryPackExists(tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("exists", tokenId)
}

// UnpackExists is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x4f558e79.
//
// Solidity: function exists(uint256 tokenId) view returns(bool)
func (proxyReader *ProxyReader) UnpackExists(data []byte) (bool, error) {
	out, err := proxyReader.abi.Unpack("exists", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackGet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1be5e7ed.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function get(string key, uint256 tokenId) view returns(string value)
func (proxyReader *ProxyReader) PackGet(key string, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("get", key, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1be5e7ed.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function get(string key, uint256 tokenId) view returns(string value)
func (proxyReader *ProxyReader) TryPackGet(key string, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("get", key, tokenId)
}

// UnpackGet is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1be5e7ed.
//
// Solidity: function get(string key, uint256 tokenId) view returns(string value)
func (proxyReader *ProxyReader) UnpackGet(data []byte) (string, error) {
	out, err := proxyReader.abi.Unpack("get", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackGetAddress is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbfc5429b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getAddress(string network, string token, uint256 tokenId) view returns(string addr)
func (proxyReader *ProxyReader) PackGetAddress(network string, token string, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getAddress", network, token, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetAddress is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbfc5429b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getAddress(string network, string token, uint256 tokenId) view returns(string addr)
func (proxyReader *ProxyReader) TryPackGetAddress(network string, token string, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getAddress", network, token, tokenId)
}

// UnpackGetAddress is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xbfc5429b.
//
// Solidity: function getAddress(string network, string token, uint256 tokenId) view returns(string addr)
func (proxyReader *ProxyReader) UnpackGetAddress(data []byte) (string, error) {
	out, err := proxyReader.abi.Unpack("getAddress", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackGetAddressKey is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb98b3526.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getAddressKey(string network, string token, uint256 tokenId) view returns(string key)
func (proxyReader *ProxyReader) PackGetAddressKey(network string, token string, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getAddressKey", network, token, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetAddressKey is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb98b3526.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getAddressKey(string network, string token, uint256 tokenId) view returns(string key)
func (proxyReader *ProxyReader) TryPackGetAddressKey(network string, token string, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getAddressKey", network, token, tokenId)
}

// UnpackGetAddressKey is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb98b3526.
//
// Solidity: function getAddressKey(string network, string token, uint256 tokenId) view returns(string key)
func (proxyReader *ProxyReader) UnpackGetAddressKey(data []byte) (string, error) {
	out, err := proxyReader.abi.Unpack("getAddressKey", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackGetAddressKeys is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x83caffbe.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getAddressKeys(string network, string token) view returns(string[] keys)
func (proxyReader *ProxyReader) PackGetAddressKeys(network string, token string) []byte {
	enc, err := proxyReader.abi.Pack("getAddressKeys", network, token)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetAddressKeys is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x83caffbe.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getAddressKeys(string network, string token) view returns(string[] keys)
func (proxyReader *ProxyReader) TryPackGetAddressKeys(network string, token string) ([]byte, error) {
	return proxyReader.abi.Pack("getAddressKeys", network, token)
}

// UnpackGetAddressKeys is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x83caffbe.
//
// Solidity: function getAddressKeys(string network, string token) view returns(string[] keys)
func (proxyReader *ProxyReader) UnpackGetAddressKeys(data []byte) ([]string, error) {
	out, err := proxyReader.abi.Unpack("getAddressKeys", data)
	if err != nil {
		return *new([]string), err
	}
	out0 := *abi.ConvertType(out[0], new([]string)).(*[]string)
	return out0, nil
}

// PackGetApproved is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x081812fc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getApproved(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) PackGetApproved(tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getApproved", tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetApproved is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x081812fc.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getApproved(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) TryPackGetApproved(tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getApproved", tokenId)
}

// UnpackGetApproved is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x081812fc.
//
// Solidity: function getApproved(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) UnpackGetApproved(data []byte) (common.Address, error) {
	out, err := proxyReader.abi.Unpack("getApproved", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackGetByHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x672b9f81.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getByHash(uint256 keyHash, uint256 tokenId) view returns(string key, string value)
func (proxyReader *ProxyReader) PackGetByHash(keyHash *big.Int, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getByHash", keyHash, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetByHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x672b9f81.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getByHash(uint256 keyHash, uint256 tokenId) view returns(string key, string value)
func (proxyReader *ProxyReader) TryPackGetByHash(keyHash *big.Int, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getByHash", keyHash, tokenId)
}

// GetByHashOutput serves as a container for the return parameters of contract
// method GetByHash.
type GetByHashOutput struct {
	Key   string
	Value string
}

// UnpackGetByHash is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x672b9f81.
//
// Solidity: function getByHash(uint256 keyHash, uint256 tokenId) view returns(string key, string value)
func (proxyReader *ProxyReader) UnpackGetByHash(data []byte) (GetByHashOutput, error) {
	out, err := proxyReader.abi.Unpack("getByHash", data)
	outstruct := new(GetByHashOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Key = *abi.ConvertType(out[0], new(string)).(*string)
	outstruct.Value = *abi.ConvertType(out[1], new(string)).(*string)
	return *outstruct, nil
}

// PackGetData is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x91015f6b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getData(string[] keys, uint256 tokenId) view returns(address resolver, address owner, string[] values)
func (proxyReader *ProxyReader) PackGetData(keys []string, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getData", keys, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetData is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x91015f6b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getData(string[] keys, uint256 tokenId) view returns(address resolver, address owner, string[] values)
func (proxyReader *ProxyReader) TryPackGetData(keys []string, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getData", keys, tokenId)
}

// GetDataOutput serves as a container for the return parameters of contract
// method GetData.
type GetDataOutput struct {
	Resolver common.Address
	Owner    common.Address
	Values   []string
}

// UnpackGetData is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x91015f6b.
//
// Solidity: function getData(string[] keys, uint256 tokenId) view returns(address resolver, address owner, string[] values)
func (proxyReader *ProxyReader) UnpackGetData(data []byte) (GetDataOutput, error) {
	out, err := proxyReader.abi.Unpack("getData", data)
	outstruct := new(GetDataOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Resolver = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.Owner = *abi.ConvertType(out[1], new(common.Address)).(*common.Address)
	outstruct.Values = *abi.ConvertType(out[2], new([]string)).(*[]string)
	return *outstruct, nil
}

// PackGetDataByHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x03280755.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getDataByHash(uint256[] keyHashes, uint256 tokenId) view returns(address resolver, address owner, string[] keys, string[] values)
func (proxyReader *ProxyReader) PackGetDataByHash(keyHashes []*big.Int, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getDataByHash", keyHashes, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetDataByHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x03280755.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getDataByHash(uint256[] keyHashes, uint256 tokenId) view returns(address resolver, address owner, string[] keys, string[] values)
func (proxyReader *ProxyReader) TryPackGetDataByHash(keyHashes []*big.Int, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getDataByHash", keyHashes, tokenId)
}

// GetDataByHashOutput serves as a container for the return parameters of contract
// method GetDataByHash.
type GetDataByHashOutput struct {
	Resolver common.Address
	Owner    common.Address
	Keys     []string
	Values   []string
}

// UnpackGetDataByHash is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x03280755.
//
// Solidity: function getDataByHash(uint256[] keyHashes, uint256 tokenId) view returns(address resolver, address owner, string[] keys, string[] values)
func (proxyReader *ProxyReader) UnpackGetDataByHash(data []byte) (GetDataByHashOutput, error) {
	out, err := proxyReader.abi.Unpack("getDataByHash", data)
	outstruct := new(GetDataByHashOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Resolver = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.Owner = *abi.ConvertType(out[1], new(common.Address)).(*common.Address)
	outstruct.Keys = *abi.ConvertType(out[2], new([]string)).(*[]string)
	outstruct.Values = *abi.ConvertType(out[3], new([]string)).(*[]string)
	return *outstruct, nil
}

// PackGetDataByHashForMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x869b8884.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getDataByHashForMany(uint256[] keyHashes, uint256[] tokenIds) view returns(address[] resolvers, address[] owners, string[][] keys, string[][] values)
func (proxyReader *ProxyReader) PackGetDataByHashForMany(keyHashes []*big.Int, tokenIds []*big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getDataByHashForMany", keyHashes, tokenIds)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetDataByHashForMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x869b8884.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getDataByHashForMany(uint256[] keyHashes, uint256[] tokenIds) view returns(address[] resolvers, address[] owners, string[][] keys, string[][] values)
func (proxyReader *ProxyReader) TryPackGetDataByHashForMany(keyHashes []*big.Int, tokenIds []*big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getDataByHashForMany", keyHashes, tokenIds)
}

// GetDataByHashForManyOutput serves as a container for the return parameters of contract
// method GetDataByHashForMany.
type GetDataByHashForManyOutput struct {
	Resolvers []common.Address
	Owners    []common.Address
	Keys      [][]string
	Values    [][]string
}

// UnpackGetDataByHashForMany is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x869b8884.
//
// Solidity: function getDataByHashForMany(uint256[] keyHashes, uint256[] tokenIds) view returns(address[] resolvers, address[] owners, string[][] keys, string[][] values)
func (proxyReader *ProxyReader) UnpackGetDataByHashForMany(data []byte) (GetDataByHashForManyOutput, error) {
	out, err := proxyReader.abi.Unpack("getDataByHashForMany", data)
	outstruct := new(GetDataByHashForManyOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Resolvers = *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	outstruct.Owners = *abi.ConvertType(out[1], new([]common.Address)).(*[]common.Address)
	outstruct.Keys = *abi.ConvertType(out[2], new([][]string)).(*[][]string)
	outstruct.Values = *abi.ConvertType(out[3], new([][]string)).(*[][]string)
	return *outstruct, nil
}

// PackGetDataForMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x933c051d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getDataForMany(string[] keys, uint256[] tokenIds) view returns(address[] resolvers, address[] owners, string[][] values)
func (proxyReader *ProxyReader) PackGetDataForMany(keys []string, tokenIds []*big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getDataForMany", keys, tokenIds)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetDataForMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x933c051d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getDataForMany(string[] keys, uint256[] tokenIds) view returns(address[] resolvers, address[] owners, string[][] values)
func (proxyReader *ProxyReader) TryPackGetDataForMany(keys []string, tokenIds []*big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getDataForMany", keys, tokenIds)
}

// GetDataForManyOutput serves as a container for the return parameters of contract
// method GetDataForMany.
type GetDataForManyOutput struct {
	Resolvers []common.Address
	Owners    []common.Address
	Values    [][]string
}

// UnpackGetDataForMany is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x933c051d.
//
// Solidity: function getDataForMany(string[] keys, uint256[] tokenIds) view returns(address[] resolvers, address[] owners, string[][] values)
func (proxyReader *ProxyReader) UnpackGetDataForMany(data []byte) (GetDataForManyOutput, error) {
	out, err := proxyReader.abi.Unpack("getDataForMany", data)
	outstruct := new(GetDataForManyOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Resolvers = *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	outstruct.Owners = *abi.ConvertType(out[1], new([]common.Address)).(*[]common.Address)
	outstruct.Values = *abi.ConvertType(out[2], new([][]string)).(*[][]string)
	return *outstruct, nil
}

// PackGetMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1bd8cc1a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getMany(string[] keys, uint256 tokenId) view returns(string[] values)
func (proxyReader *ProxyReader) PackGetMany(keys []string, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getMany", keys, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1bd8cc1a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getMany(string[] keys, uint256 tokenId) view returns(string[] values)
func (proxyReader *ProxyReader) TryPackGetMany(keys []string, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getMany", keys, tokenId)
}

// UnpackGetMany is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1bd8cc1a.
//
// Solidity: function getMany(string[] keys, uint256 tokenId) view returns(string[] values)
func (proxyReader *ProxyReader) UnpackGetMany(data []byte) ([]string, error) {
	out, err := proxyReader.abi.Unpack("getMany", data)
	if err != nil {
		return *new([]string), err
	}
	out0 := *abi.ConvertType(out[0], new([]string)).(*[]string)
	return out0, nil
}

// PackGetManyByHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb85afd28.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getManyByHash(uint256[] keyHashes, uint256 tokenId) view returns(string[] keys, string[] values)
func (proxyReader *ProxyReader) PackGetManyByHash(keyHashes []*big.Int, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("getManyByHash", keyHashes, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetManyByHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb85afd28.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getManyByHash(uint256[] keyHashes, uint256 tokenId) view returns(string[] keys, string[] values)
func (proxyReader *ProxyReader) TryPackGetManyByHash(keyHashes []*big.Int, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("getManyByHash", keyHashes, tokenId)
}

// GetManyByHashOutput serves as a container for the return parameters of contract
// method GetManyByHash.
type GetManyByHashOutput struct {
	Keys   []string
	Values []string
}

// UnpackGetManyByHash is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb85afd28.
//
// Solidity: function getManyByHash(uint256[] keyHashes, uint256 tokenId) view returns(string[] keys, string[] values)
func (proxyReader *ProxyReader) UnpackGetManyByHash(data []byte) (GetManyByHashOutput, error) {
	out, err := proxyReader.abi.Unpack("getManyByHash", data)
	outstruct := new(GetManyByHashOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Keys = *abi.ConvertType(out[0], new([]string)).(*[]string)
	outstruct.Values = *abi.ConvertType(out[1], new([]string)).(*[]string)
	return *outstruct, nil
}

// PackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x485cc955.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function initialize(address unsRegistry, address cnsRegistry) returns()
func (proxyReader *ProxyReader) PackInitialize(unsRegistry common.Address, cnsRegistry common.Address) []byte {
	enc, err := proxyReader.abi.Pack("initialize", unsRegistry, cnsRegistry)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackInitialize is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x485cc955.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function initialize(address unsRegistry, address cnsRegistry) returns()
func (proxyReader *ProxyReader) TryPackInitialize(unsRegistry common.Address, cnsRegistry common.Address) ([]byte, error) {
	return proxyReader.abi.Pack("initialize", unsRegistry, cnsRegistry)
}

// PackIsApprovedForAll is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe985e9c5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isApprovedForAll(address , address ) pure returns(bool)
func (proxyReader *ProxyReader) PackIsApprovedForAll(arg0 common.Address, arg1 common.Address) []byte {
	enc, err := proxyReader.abi.Pack("isApprovedForAll", arg0, arg1)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsApprovedForAll is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe985e9c5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isApprovedForAll(address , address ) pure returns(bool)
func (proxyReader *ProxyReader) TryPackIsApprovedForAll(arg0 common.Address, arg1 common.Address) ([]byte, error) {
	return proxyReader.abi.Pack("isApprovedForAll", arg0, arg1)
}

// UnpackIsApprovedForAll is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe985e9c5.
//
// Solidity: function isApprovedForAll(address , address ) pure returns(bool)
func (proxyReader *ProxyReader) UnpackIsApprovedForAll(data []byte) (bool, error) {
	out, err := proxyReader.abi.Unpack("isApprovedForAll", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackIsApprovedOrOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x430c2081.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isApprovedOrOwner(address spender, uint256 tokenId) view returns(bool)
func (proxyReader *ProxyReader) PackIsApprovedOrOwner(spender common.Address, tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("isApprovedOrOwner", spender, tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsApprovedOrOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x430c2081.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isApprovedOrOwner(address spender, uint256 tokenId) view returns(bool)
func (proxyReader *ProxyReader) TryPackIsApprovedOrOwner(spender common.Address, tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("isApprovedOrOwner", spender, tokenId)
}

// UnpackIsApprovedOrOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x430c2081.
//
// Solidity: function isApprovedOrOwner(address spender, uint256 tokenId) view returns(bool)
func (proxyReader *ProxyReader) UnpackIsApprovedOrOwner(data []byte) (bool, error) {
	out, err := proxyReader.abi.Unpack("isApprovedOrOwner", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackMulticall is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xac9650d8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function multicall(bytes[] data) returns(bytes[] results)
func (proxyReader *ProxyReader) PackMulticall(data [][]byte) []byte {
	enc, err := proxyReader.abi.Pack("multicall", data)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMulticall is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xac9650d8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function multicall(bytes[] data) returns(bytes[] results)
func (proxyReader *ProxyReader) TryPackMulticall(data [][]byte) ([]byte, error) {
	return proxyReader.abi.Pack("multicall", data)
}

// UnpackMulticall is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xac9650d8.
//
// Solidity: function multicall(bytes[] data) returns(bytes[] results)
func (proxyReader *ProxyReader) UnpackMulticall(data []byte) ([][]byte, error) {
	out, err := proxyReader.abi.Unpack("multicall", data)
	if err != nil {
		return *new([][]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([][]byte)).(*[][]byte)
	return out0, nil
}

// PackNamehash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x276fabb1.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function namehash(string[] labels) view returns(uint256)
func (proxyReader *ProxyReader) PackNamehash(labels []string) []byte {
	enc, err := proxyReader.abi.Pack("namehash", labels)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackNamehash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x276fabb1.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function namehash(string[] labels) view returns(uint256)
func (proxyReader *ProxyReader) TryPackNamehash(labels []string) ([]byte, error) {
	return proxyReader.abi.Pack("namehash", labels)
}

// UnpackNamehash is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x276fabb1.
//
// Solidity: function namehash(string[] labels) view returns(uint256)
func (proxyReader *ProxyReader) UnpackNamehash(data []byte) (*big.Int, error) {
	out, err := proxyReader.abi.Unpack("namehash", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (proxyReader *ProxyReader) PackOwner() []byte {
	enc, err := proxyReader.abi.Pack("owner")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function owner() view returns(address)
func (proxyReader *ProxyReader) TryPackOwner() ([]byte, error) {
	return proxyReader.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (proxyReader *ProxyReader) UnpackOwner(data []byte) (common.Address, error) {
	out, err := proxyReader.abi.Unpack("owner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackOwnerOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6352211e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function ownerOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) PackOwnerOf(tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("ownerOf", tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwnerOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6352211e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function ownerOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) TryPackOwnerOf(tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("ownerOf", tokenId)
}

// UnpackOwnerOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6352211e.
//
// Solidity: function ownerOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) UnpackOwnerOf(data []byte) (common.Address, error) {
	out, err := proxyReader.abi.Unpack("ownerOf", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackOwnerOfForMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc15ae7cf.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function ownerOfForMany(uint256[] tokenIds) view returns(address[] owners)
func (proxyReader *ProxyReader) PackOwnerOfForMany(tokenIds []*big.Int) []byte {
	enc, err := proxyReader.abi.Pack("ownerOfForMany", tokenIds)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwnerOfForMany is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc15ae7cf.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function ownerOfForMany(uint256[] tokenIds) view returns(address[] owners)
func (proxyReader *ProxyReader) TryPackOwnerOfForMany(tokenIds []*big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("ownerOfForMany", tokenIds)
}

// UnpackOwnerOfForMany is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc15ae7cf.
//
// Solidity: function ownerOfForMany(uint256[] tokenIds) view returns(address[] owners)
func (proxyReader *ProxyReader) UnpackOwnerOfForMany(data []byte) ([]common.Address, error) {
	out, err := proxyReader.abi.Unpack("ownerOfForMany", data)
	if err != nil {
		return *new([]common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	return out0, nil
}

// PackRegistryOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa81ce6f9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function registryOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) PackRegistryOf(tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("registryOf", tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegistryOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa81ce6f9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function registryOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) TryPackRegistryOf(tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("registryOf", tokenId)
}

// UnpackRegistryOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa81ce6f9.
//
// Solidity: function registryOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) UnpackRegistryOf(data []byte) (common.Address, error) {
	out, err := proxyReader.abi.Unpack("registryOf", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function renounceOwnership() returns()
func (proxyReader *ProxyReader) PackRenounceOwnership() []byte {
	enc, err := proxyReader.abi.Pack("renounceOwnership")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function renounceOwnership() returns()
func (proxyReader *ProxyReader) TryPackRenounceOwnership() ([]byte, error) {
	return proxyReader.abi.Pack("renounceOwnership")
}

// PackResolverOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb3f9e4cb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function resolverOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) PackResolverOf(tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("resolverOf", tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackResolverOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb3f9e4cb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function resolverOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) TryPackResolverOf(tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("resolverOf", tokenId)
}

// UnpackResolverOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb3f9e4cb.
//
// Solidity: function resolverOf(uint256 tokenId) view returns(address)
func (proxyReader *ProxyReader) UnpackResolverOf(data []byte) (common.Address, error) {
	out, err := proxyReader.abi.Unpack("resolverOf", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackReverseNameOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbebec6b4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reverseNameOf(address addr) view returns(string)
func (proxyReader *ProxyReader) PackReverseNameOf(addr common.Address) []byte {
	enc, err := proxyReader.abi.Pack("reverseNameOf", addr)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReverseNameOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbebec6b4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reverseNameOf(address addr) view returns(string)
func (proxyReader *ProxyReader) TryPackReverseNameOf(addr common.Address) ([]byte, error) {
	return proxyReader.abi.Pack("reverseNameOf", addr)
}

// UnpackReverseNameOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xbebec6b4.
//
// Solidity: function reverseNameOf(address addr) view returns(string)
func (proxyReader *ProxyReader) UnpackReverseNameOf(data []byte) (string, error) {
	out, err := proxyReader.abi.Unpack("reverseNameOf", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackReverseOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7e37479e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reverseOf(address addr) view returns(uint256)
func (proxyReader *ProxyReader) PackReverseOf(addr common.Address) []byte {
	enc, err := proxyReader.abi.Pack("reverseOf", addr)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReverseOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7e37479e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reverseOf(address addr) view returns(uint256)
func (proxyReader *ProxyReader) TryPackReverseOf(addr common.Address) ([]byte, error) {
	return proxyReader.abi.Pack("reverseOf", addr)
}

// UnpackReverseOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7e37479e.
//
// Solidity: function reverseOf(address addr) view returns(uint256)
func (proxyReader *ProxyReader) UnpackReverseOf(data []byte) (*big.Int, error) {
	out, err := proxyReader.abi.Unpack("reverseOf", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackSetOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x13af4035.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setOwner(address addr) returns()
func (proxyReader *ProxyReader) PackSetOwner(addr common.Address) []byte {
	enc, err := proxyReader.abi.Pack("setOwner", addr)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x13af4035.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setOwner(address addr) returns()
func (proxyReader *ProxyReader) TryPackSetOwner(addr common.Address) ([]byte, error) {
	return proxyReader.abi.Pack("setOwner", addr)
}

// PackSupportsInterface is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x01ffc9a7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (proxyReader *ProxyReader) PackSupportsInterface(interfaceId [4]byte) []byte {
	enc, err := proxyReader.abi.Pack("supportsInterface", interfaceId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSupportsInterface is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x01ffc9a7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (proxyReader *ProxyReader) TryPackSupportsInterface(interfaceId [4]byte) ([]byte, error) {
	return proxyReader.abi.Pack("supportsInterface", interfaceId)
}

// UnpackSupportsInterface is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x01ffc9a7.
//
// Solidity: function supportsInterface(bytes4 interfaceId) view returns(bool)
func (proxyReader *ProxyReader) UnpackSupportsInterface(data []byte) (bool, error) {
	out, err := proxyReader.abi.Unpack("supportsInterface", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackTokenURI is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc87b56dd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function tokenURI(uint256 tokenId) view returns(string)
func (proxyReader *ProxyReader) PackTokenURI(tokenId *big.Int) []byte {
	enc, err := proxyReader.abi.Pack("tokenURI", tokenId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTokenURI is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc87b56dd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function tokenURI(uint256 tokenId) view returns(string)
func (proxyReader *ProxyReader) TryPackTokenURI(tokenId *big.Int) ([]byte, error) {
	return proxyReader.abi.Pack("tokenURI", tokenId)
}

// UnpackTokenURI is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc87b56dd.
//
// Solidity: function tokenURI(uint256 tokenId) view returns(string)
func (proxyReader *ProxyReader) UnpackTokenURI(data []byte) (string, error) {
	out, err := proxyReader.abi.Unpack("tokenURI", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (proxyReader *ProxyReader) PackTransferOwnership(newOwner common.Address) []byte {
	enc, err := proxyReader.abi.Pack("transferOwnership", newOwner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (proxyReader *ProxyReader) TryPackTransferOwnership(newOwner common.Address) ([]byte, error) {
	return proxyReader.abi.Pack("transferOwnership", newOwner)
}

// ProxyReaderInitialized represents a Initialized event raised by the ProxyReader contract.
type ProxyReaderInitialized struct {
	Version uint8
	Raw     *types.Log // Blockchain specific contextual infos
}

const ProxyReaderInitializedEventName = "Initialized"

// ContractEventName returns the user-defined event name.
func (ProxyReaderInitialized) ContractEventName() string {
	return ProxyReaderInitializedEventName
}

// UnpackInitializedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Initialized(uint8 version)
func (proxyReader *ProxyReader) UnpackInitializedEvent(log *types.Log) (*ProxyReaderInitialized, error) {
	event := "Initialized"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != proxyReader.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ProxyReaderInitialized)
	if len(log.Data) > 0 {
		if err := proxyReader.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range proxyReader.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// ProxyReaderOwnershipTransferred represents a OwnershipTransferred event raised by the ProxyReader contract.
type ProxyReaderOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const ProxyReaderOwnershipTransferredEventName = "OwnershipTransferred"

// ContractEventName returns the user-defined event name.
func (ProxyReaderOwnershipTransferred) ContractEventName() string {
	return ProxyReaderOwnershipTransferredEventName
}

// UnpackOwnershipTransferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (proxyReader *ProxyReader) UnpackOwnershipTransferredEvent(log *types.Log) (*ProxyReaderOwnershipTransferred, error) {
	event := "OwnershipTransferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != proxyReader.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ProxyReaderOwnershipTransferred)
	if len(log.Data) > 0 {
		if err := proxyReader.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range proxyReader.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// ProxyReaderSetLegacyRecords represents a SetLegacyRecords event raised by the ProxyReader contract.
type ProxyReaderSetLegacyRecords struct {
	TokenKey string
	Raw      *types.Log // Blockchain specific contextual infos
}

const ProxyReaderSetLegacyRecordsEventName = "SetLegacyRecords"

// ContractEventName returns the user-defined event name.
func (ProxyReaderSetLegacyRecords) ContractEventName() string {
	return ProxyReaderSetLegacyRecordsEventName
}

// UnpackSetLegacyRecordsEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event SetLegacyRecords(string tokenKey)
func (proxyReader *ProxyReader) UnpackSetLegacyRecordsEvent(log *types.Log) (*ProxyReaderSetLegacyRecords, error) {
	event := "SetLegacyRecords"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != proxyReader.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ProxyReaderSetLegacyRecords)
	if len(log.Data) > 0 {
		if err := proxyReader.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range proxyReader.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// ProxyReaderSetNetworkFamily represents a SetNetworkFamily event raised by the ProxyReader contract.
type ProxyReaderSetNetworkFamily struct {
	Network string
	Raw     *types.Log // Blockchain specific contextual infos
}

const ProxyReaderSetNetworkFamilyEventName = "SetNetworkFamily"

// ContractEventName returns the user-defined event name.
func (ProxyReaderSetNetworkFamily) ContractEventName() string {
	return ProxyReaderSetNetworkFamilyEventName
}

// UnpackSetNetworkFamilyEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event SetNetworkFamily(string network)
func (proxyReader *ProxyReader) UnpackSetNetworkFamilyEvent(log *types.Log) (*ProxyReaderSetNetworkFamily, error) {
	event := "SetNetworkFamily"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != proxyReader.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ProxyReaderSetNetworkFamily)
	if len(log.Data) > 0 {
		if err := proxyReader.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range proxyReader.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}
