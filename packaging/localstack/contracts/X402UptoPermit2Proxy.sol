// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Permit2} from "./Permit2.sol";

interface IERC20PermitMinimal {
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
}

/// A test stand-in for the x402 `upto` Permit2 proxy (0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002),
/// with the interface, witness type and checks that the reference upto facilitator (x402 EVM package 2.27) relies on. The buyer
/// signs a Permit2 permitWitnessTransferFrom for a maximum with this contract as spender; the witness
/// binds the payee (`to`) and the one facilitator allowed to settle; the facilitator settles any
/// amount up to the maximum, once (Permit2's nonce).
/// Permit2's address is a constant and the reentrancy guard lives in ordinary storage (shanghai has
/// no transient storage): the runtime code is planted with anvil_setCode, where no constructor runs.
contract X402UptoPermit2Proxy {
    struct Witness {
        address to;
        address facilitator;
        uint256 validAfter;
    }

    struct EIP2612Permit {
        uint256 value;
        uint256 deadline;
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    address private constant CANONICAL_PERMIT2 = 0x000000000022D473030F116dDEE9F6B43aC78BA3;

    /// Appended by Permit2 to its PermitWitnessTransferFrom stub; the structs it references follow
    /// the witness field in alphabetical order (TokenPermissions before Witness), as EIP-712 wants.
    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,address facilitator,uint256 validAfter)";
    bytes32 public constant WITNESS_TYPEHASH = keccak256("Witness(address to,address facilitator,uint256 validAfter)");

    event Settled();
    event SettledWithPermit();
    event EIP2612PermitFailedWithReason(address indexed token, address indexed owner, string reason);
    event EIP2612PermitFailedWithPanic(address indexed token, address indexed owner, uint256 errorCode);
    event EIP2612PermitFailedWithData(address indexed token, address indexed owner, bytes data);

    error AmountExceedsPermitted();
    error UnauthorizedFacilitator();
    error InvalidAmount();
    error InvalidOwner();
    error InvalidDestination();
    error PaymentTooEarly();
    error Permit2612AmountMismatch();
    error InvalidPermit2Address();
    error ReentrancyGuardReentrantCall();

    uint256 private entered_;

    modifier nonReentrant() {
        if (entered_ != 0) revert ReentrancyGuardReentrantCall();
        entered_ = 1;
        _;
        entered_ = 0;
    }

    function PERMIT2() external pure returns (address) {
        return CANONICAL_PERMIT2;
    }

    /// Settles `amount` (at most the signed maximum) when the buyer has approved Permit2 already.
    function settle(Permit2.PermitTransferFrom calldata permit, uint256 amount, address owner,
                    Witness calldata witness, bytes calldata signature) external nonReentrant {
        _checkUpto(permit, amount, witness);
        _settle(permit, amount, owner, witness, signature);
        emit Settled();
    }

    /// The same, after trying an EIP-2612 permit that approves Permit2 (a failed permit is only
    /// logged: the approval may exist already, and the settlement then fails by itself if not).
    function settleWithPermit(EIP2612Permit calldata permit2612, Permit2.PermitTransferFrom calldata permit, uint256 amount,
                              address owner, Witness calldata witness, bytes calldata signature) external nonReentrant {
        _checkUpto(permit, amount, witness);
        if (permit2612.value != permit.permitted.amount) revert Permit2612AmountMismatch();
        address token = permit.permitted.token;
        try IERC20PermitMinimal(token).permit(owner, CANONICAL_PERMIT2, permit2612.value, permit2612.deadline,
                                              permit2612.v, permit2612.r, permit2612.s) {
        } catch Error(string memory reason) {
            emit EIP2612PermitFailedWithReason(token, owner, reason);
        } catch Panic(uint256 code) {
            emit EIP2612PermitFailedWithPanic(token, owner, code);
        } catch (bytes memory data) {
            emit EIP2612PermitFailedWithData(token, owner, data);
        }
        _settle(permit, amount, owner, witness, signature);
        emit SettledWithPermit();
    }

    function _checkUpto(Permit2.PermitTransferFrom calldata permit, uint256 amount, Witness calldata witness) private view {
        if (amount > permit.permitted.amount) revert AmountExceedsPermitted();
        // Only the facilitator the buyer signed for may pick the amount.
        if (msg.sender != witness.facilitator) revert UnauthorizedFacilitator();
    }

    function _settle(Permit2.PermitTransferFrom calldata permit, uint256 amount, address owner,
                     Witness calldata witness, bytes calldata signature) private {
        // Zero would burn the buyer's nonce for nothing: a zero charge settles nothing on chain.
        if (amount == 0) revert InvalidAmount();
        if (owner == address(0)) revert InvalidOwner();
        if (witness.to == address(0)) revert InvalidDestination();
        if (block.timestamp < witness.validAfter) revert PaymentTooEarly();
        // The witness is hashed here from the fields, so the payee and facilitator the facilitator
        // passes are the ones the buyer signed, or Permit2's signature check fails.
        bytes32 witnessHash = keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.facilitator, witness.validAfter));
        Permit2(CANONICAL_PERMIT2).permitWitnessTransferFrom(
            permit, Permit2.SignatureTransferDetails({to: witness.to, requestedAmount: amount}), owner, witnessHash,
            WITNESS_TYPE_STRING, signature);
    }
}
