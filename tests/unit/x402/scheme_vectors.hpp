#pragma once
// Test vectors made with the reference libraries in a scratch directory (nothing of them is in the
// repository but these values):
//   Solana: @solana/web3.js 1.99.0 — a v0 and a legacy transaction as the x402 SVM client builds
//     them (compute limit, compute price, SPL TransferChecked, memo), fee payer slot empty, signed
//     by the client; message_sha256 = SHA-256 of what web3.js serializes as the message.
#include <string_view>

namespace x402gw::x402::vectors {

namespace solana {
constexpr std::string_view kClient = "GyGKxMyg1p9SsHfm15MkNUu1u9TN2JtTspcdmrtGUdse";
constexpr std::string_view kFeePayer = "EdmxWPmx2WH6WgFfTdu9xfkYf3k1g5wD1zccTVySEEh1";
constexpr std::string_view kPayTo = "8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe";
constexpr std::string_view kMint = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
// v0: 367-byte message
constexpr std::string_view kV0 =
    "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAl0RgED+7ybwIr"
    "yDukMMxCJ8SSyhrrMEo3w0lyfllJ4rtHxBWm265rgcN///4nsue5K2D0bXE5P1IQHhHDzlQIgAIBBAjKk6wXBRhwcdZ7g8f/Dv6B"
    "COjsRTBXXXcmh5Mz29q+fO1JKMYo0cLG6ukDOJBZlWEpWSc6XGP5NjbBRhSshzfRVfrYUDwcTMIz1rajclqlUU/uq3ieryKWb3Ki"
    "2UMxyVtWGddwdvSOqPn3x7oDzIAGlCGKdCCCq9zhx4EGbToQhwMGRm/lIRcy/+ytunLDm+e8jOW7xfcSayxDmzpAAAAABt324ddl"
    "oZPZy+FGzut5rBy0he1fWzeROoz1hX7/AKk7RCyzkSFX8TqTPQE0KC0DK1/+zQGi2/G3eQYI3wAupwVKU1qZKSEGTSTocWDaOHx8"
    "NbXdvJK7geQfqEBBBUSNxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusEBAAFAiBOAAAEAAkDAQAAAAAAAAAFBAIGAwEK"
    "DBAnAAAAAAAABgcAIDhmMmQwYzFiNWE0ZTNmMmQxYzBiOWE4ZjdlNmQ1YzRiAA==";
constexpr std::string_view kV0MessageSha256 = "d35d75832dceb6e1bb849aa3b01a25beddbd29658e61cf5327a8815c8ac8d30b";
// v0_other_memo: 367-byte message
constexpr std::string_view kV0OtherMemo =
    "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACu796Ma9FyoCnp"
    "ioKdNvGUcEdNYRKmgK3w13Q0T2eykJJFPsUl9iSIFhzcMh4gHGs8rQQhjCtRXi0ZmQGzEGsAgAIBBAjKk6wXBRhwcdZ7g8f/Dv6B"
    "COjsRTBXXXcmh5Mz29q+fO1JKMYo0cLG6ukDOJBZlWEpWSc6XGP5NjbBRhSshzfRVfrYUDwcTMIz1rajclqlUU/uq3ieryKWb3Ki"
    "2UMxyVtWGddwdvSOqPn3x7oDzIAGlCGKdCCCq9zhx4EGbToQhwMGRm/lIRcy/+ytunLDm+e8jOW7xfcSayxDmzpAAAAABt324ddl"
    "oZPZy+FGzut5rBy0he1fWzeROoz1hX7/AKk7RCyzkSFX8TqTPQE0KC0DK1/+zQGi2/G3eQYI3wAupwVKU1qZKSEGTSTocWDaOHx8"
    "NbXdvJK7geQfqEBBBUSNxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusEBAAFAiBOAAAEAAkDAQAAAAAAAAAFBAIGAwEK"
    "DBAnAAAAAAAABgcAIDAwMTEyMjMzNDQ1NTY2Nzc4ODk5YWFiYmNjZGRlZWZmAA==";
constexpr std::string_view kV0OtherMemoMessageSha256 = "dffb6fc8a95aec42f24a8e02c440863deaff4f2cd310c3a835595705e37398d4";
// legacy: 365-byte message
constexpr std::string_view kLegacy =
    "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACcO4LAxcYhrpQ9"
    "o7HnL+cOE3Jl1lfnwSrU6JFy/oBa/v9nA1Jvg+uIfbJVg3yh8YkpUuP8rWArVKTEIcjxfkcDAgEECMqTrBcFGHBx1nuDx/8O/oEI"
    "6OxFMFdddyaHkzPb2r587UkoxijRwsbq6QM4kFmVYSlZJzpcY/k2NsFGFKyHN9FV+thQPBxMwjPWtqNyWqVRT+6reJ6vIpZvcqLZ"
    "QzHJW1YZ13B29I6o+ffHugPMgAaUIYp0IIKr3OHHgQZtOhCHO0Qss5EhV/E6kz0BNCgtAytf/s0Botvxt3kGCN8ALqcDBkZv5SEX"
    "Mv/srbpyw5vnvIzlu8X3EmssQ5s6QAAAAAVKU1qZKSEGTSTocWDaOHx8NbXdvJK7geQfqEBBBUSNBt324ddloZPZy+FGzut5rBy0"
    "he1fWzeROoz1hX7/AKnEmud2A3ggVPF6nezqQ7RE66DtsSxvHTHG4OSoS/BS6wQFAAUCIE4AAAUACQMBAAAAAAAAAAcEAgQDAQoM"
    "ECcAAAAAAAAGBgAgOGYyZDBjMWI1YTRlM2YyZDFjMGI5YThmN2U2ZDVjNGI=";
constexpr std::string_view kLegacyMessageSha256 = "8b0c433821b379df0c79abe67a036e8addfd0eb33bc729edbe2cf8688f9b8962";
// v0_amount_9999: 367-byte message
constexpr std::string_view kV0Amount9999 =
    "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA3kfVOXa5zF5aF"
    "YVRuOkw/SKK7Rjqv0vJ+kAHActrCsn+fvEDbfLnGmzfGApZyNfkGp9U9/fBr63cOhD+2cawKgAIBBAjKk6wXBRhwcdZ7g8f/Dv6B"
    "COjsRTBXXXcmh5Mz29q+fO1JKMYo0cLG6ukDOJBZlWEpWSc6XGP5NjbBRhSshzfRVfrYUDwcTMIz1rajclqlUU/uq3ieryKWb3Ki"
    "2UMxyVtWGddwdvSOqPn3x7oDzIAGlCGKdCCCq9zhx4EGbToQhwMGRm/lIRcy/+ytunLDm+e8jOW7xfcSayxDmzpAAAAABt324ddl"
    "oZPZy+FGzut5rBy0he1fWzeROoz1hX7/AKk7RCyzkSFX8TqTPQE0KC0DK1/+zQGi2/G3eQYI3wAupwVKU1qZKSEGTSTocWDaOHx8"
    "NbXdvJK7geQfqEBBBUSNxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusEBAAFAiBOAAAEAAkDAQAAAAAAAAAFBAIGAwEK"
    "DA8nAAAAAAAABgcAIDhmMmQwYzFiNWE0ZTNmMmQxYzBiOWE4ZjdlNmQ1YzRiAA==";
constexpr std::string_view kV0Amount9999MessageSha256 = "8a03b8cbc1a00b64cbec53d107b1daf55d5780563052c274f1044f13d19bc20b";
}  // namespace solana

}  // namespace x402gw::x402::vectors
