// x402-gateway's paywall: pays the route's 402 from a browser wallet and shows what was bought.
// No dependencies, no other origin: it talks to the wallet (EIP-6963 / EIP-1193) and to this URL.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("x402-data").textContent);
  const required = data.paymentRequired || {};
  const accepts = required.accepts || [];
  const offers = data.offers || [];
  const payButton = $("pay-button"), status = $("status"), errorBox = $("error"), walletsBox = $("wallets");
  const wallets = [];          // EIP-6963 announcements: {info: {uuid, name, rdns}, provider}
  let chosen = 0;              // index into the wallets offered
  let pendingHeader = "";      // a payment whose settlement is pending: presented again, never signed again
  let pendingOffer = null;

  class Shown extends Error {}  // an error whose message is written for the person paying
  const say = (text) => { status.textContent = text; };
  const why = (e) => (e && (e.message || e.reason)) || String(e);

  function fail(message) {
    say("");
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.focus();
    payButton.disabled = false;
  }

  // Wallets: EIP-6963 announcements, else the one injected as window.ethereum (EIP-1193).
  window.addEventListener("eip6963:announceProvider", (event) => {
    const d = event.detail;
    if (!d || !d.provider || !d.info || wallets.some((w) => w.info.uuid === d.info.uuid)) return;
    wallets.push(d);
    showWallets();
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  const available = () => wallets.length ? wallets
    : window.ethereum ? [{ info: { uuid: "window.ethereum", name: "Browser wallet" }, provider: window.ethereum }] : [];

  function showWallets() {
    const list = available();
    walletsBox.textContent = "";
    if (list.length < 2) {
      if (list.length) walletsBox.append(el("p", "note", "Wallet: " + list[0].info.name));
      return;
    }
    const set = el("fieldset");
    set.append(el("legend", "", "Wallet"));
    list.forEach((w, i) => {
      const id = "wallet-" + i, input = el("input");
      Object.assign(input, { type: "radio", name: "wallet", id, value: String(i), checked: i === chosen });
      input.addEventListener("change", () => { chosen = i; });
      const label = el("label", "", " " + w.info.name);
      label.htmlFor = id;
      const row = el("div");
      row.append(input, label);
      set.append(row);
    });
    walletsBox.append(set);
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  function base64(text) {
    let binary = "";
    for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
    return btoa(binary);
  }
  function units(atomic, decimals) {
    const s = atomic.toString().padStart(decimals + 1, "0");
    const whole = s.slice(0, s.length - decimals), fraction = s.slice(s.length - decimals).replace(/0+$/, "");
    return fraction ? whole + "." + fraction : whole;
  }
  const request = (wallet, method, params) => wallet.request(params ? { method, params } : { method });

  async function pay() {
    errorBox.hidden = true;
    if (pendingHeader) return present(pendingHeader, pendingOffer);
    const picked = document.querySelector('input[name="offer"]:checked');
    if (!picked) return fail("This page cannot pay any of the ways this URL accepts: pay it with an x402 client.");
    const accept = accepts[Number(picked.value)], offer = offers[Number(picked.value)];
    const list = available();
    if (!list.length)
      return fail("No browser wallet found. Install or unlock an Ethereum wallet, reload this page and pay again; or pay this URL with an x402 client.");
    const wallet = list[Math.min(chosen, list.length - 1)].provider;
    payButton.disabled = true;
    try {
      say("Connecting to your wallet…");
      let accounts;
      try {
        accounts = await request(wallet, "eth_requestAccounts");
      } catch (e) {
        throw new Shown(e && e.code === 4001 ? "You declined to connect your wallet: nothing was paid." : "Your wallet did not connect: " + why(e));
      }
      const from = accounts && accounts[0];
      if (!from) throw new Shown("Your wallet gave no account to pay from.");

      const chainId = BigInt(accept.network.slice("eip155:".length));
      const chainHex = "0x" + chainId.toString(16);
      if (BigInt(await request(wallet, "eth_chainId")) !== chainId) {
        say("Switching your wallet to " + offer.network + "…");
        try {
          await request(wallet, "wallet_switchEthereumChain", [{ chainId: chainHex }]);
        } catch (e) {
          const code = e && e.code;
          if (code === 4902) throw new Shown("Wrong network: your wallet does not know " + offer.network + " (chain " + chainId + "). Add that network to your wallet, then pay again.");
          if (code === 4001) throw new Shown("Wrong network: this payment is on " + offer.network + " (chain " + chainId + "), and the switch was declined. Switch your wallet to it to pay.");
          throw new Shown("Wrong network: your wallet could not switch to " + offer.network + " (chain " + chainId + "): " + why(e));
        }
        const now = BigInt(await request(wallet, "eth_chainId"));
        if (now !== chainId) throw new Shown("Wrong network: your wallet is on chain " + now + ", not " + offer.network + " (chain " + chainId + ").");
      }

      say("Checking your balance…");
      const call = { to: accept.asset, data: "0x70a08231" + from.slice(2).toLowerCase().padStart(64, "0") };  // balanceOf(from)
      const result = await request(wallet, "eth_call", [call, "latest"]);
      const balance = BigInt(result && result !== "0x" ? result : 0);
      if (balance < BigInt(accept.amount))
        throw new Shown("Insufficient funds: this costs " + offer.price + "; " + from + " holds " + units(balance, offer.decimals) + " " + offer.symbol + " on " + offer.network + ".");

      // The EIP-3009 authorization, as @x402/evm's exact client writes it.
      const authorization = {
        from, to: accept.payTo, value: accept.amount, validAfter: "0",
        validBefore: String(Math.floor(Date.now() / 1000) + accept.maxTimeoutSeconds),
        nonce: "0x" + hex(crypto.getRandomValues(new Uint8Array(32))),
      };
      const typedData = {
        types: {
          EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" },
            { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }],
          TransferWithAuthorization: [{ name: "from", type: "address" }, { name: "to", type: "address" },
            { name: "value", type: "uint256" }, { name: "validAfter", type: "uint256" },
            { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }],
        },
        primaryType: "TransferWithAuthorization",
        domain: { name: accept.extra.name, version: accept.extra.version, chainId: Number(chainId), verifyingContract: accept.asset },
        message: authorization,
      };
      say("Sign the payment of " + offer.price + " in your wallet…");
      let signature;
      try {
        signature = await request(wallet, "eth_signTypedData_v4", [from, JSON.stringify(typedData)]);
      } catch (e) {
        throw new Shown(e && e.code === 4001 ? "You rejected the signature: nothing was paid." : "Your wallet did not sign: " + why(e));
      }
      // The v2 payment payload, field for field as @x402/core's client builds it.
      const payload = { x402Version: 2, payload: { authorization, signature }, extensions: required.extensions,
        resource: required.resource, accepted: accept };
      await present(base64(JSON.stringify(payload)), offer);
    } catch (e) {
      fail(e instanceof Shown ? e.message : "Something went wrong: " + why(e));
    }
  }

  // Sends the request again with the payment and shows what comes back.
  async function present(header, offer) {
    payButton.disabled = true;
    pendingOffer = offer;
    say("Paying…");
    let response;
    try {
      response = await fetch(location.href, { method: "GET", headers: { "PAYMENT-SIGNATURE": header }, cache: "no-store", credentials: "same-origin" });
    } catch (e) {
      pendingHeader = header;  // it may have arrived: the same payment is shown again, never a new one
      payButton.textContent = "Check again";
      throw new Shown("The payment could not be sent (" + why(e) + "). Check again: the same signed payment is presented, so you cannot pay twice.");
    }
    if (response.status === 402) {
      const body = await response.json().catch(() => ({}));
      if (body.error === "payment_pending") {
        pendingHeader = header;
        payButton.textContent = "Check again";
        const after = response.headers.get("Retry-After");
        return fail("Settlement pending: your payment was sent and its outcome is not known yet. Check again" +
          (after ? " in " + after + " seconds" : " shortly") + "; the same payment is presented, so you cannot pay twice.");
      }
      pendingHeader = "";
      payButton.textContent = "Connect wallet and pay";
      return fail("Payment refused: " + (body.message || body.error || "the gateway refused the payment") + (body.error ? " (" + body.error + ")" : ""));
    }
    const receiptHeader = response.headers.get("PAYMENT-RESPONSE");
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      pendingHeader = "";
      return fail("The purchase failed (HTTP " + response.status + "): " + (body.message || response.statusText) +
        (receiptHeader ? " A payment receipt came with it: keep it." : ""));
    }
    pendingHeader = "";
    await showResource(response);
    showReceipt(receiptHeader, offer);
    say("");
    payButton.textContent = "Paid";
    const result = $("result");
    result.hidden = false;
    $("result-heading").focus();
  }

  async function showResource(response) {
    const box = $("resource"), type = (response.headers.get("Content-Type") || "").toLowerCase();
    box.textContent = "";
    if (type.includes("json")) {
      const text = await response.text();
      let pretty = text;
      try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* shown as sent */ }
      box.append(el("pre", "", pretty));
    } else if (type.startsWith("image/")) {
      const img = el("img");
      img.src = URL.createObjectURL(await response.blob());
      img.alt = "The image you bought";
      box.append(img);
    } else if (type.startsWith("text/plain")) {
      box.append(el("pre", "", await response.text()));
    } else {
      const link = el("a", "", "Download the file you bought");
      link.href = URL.createObjectURL(await response.blob());
      link.download = decodeURIComponent(location.pathname.split("/").pop() || "download");
      box.append(link);
    }
  }

  function showReceipt(header, offer) {
    const list = $("receipt");
    list.textContent = "";
    let receipt = {};
    try { receipt = header ? JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0)))) : {}; } catch (e) { /* none */ }
    const rows = [["Paid", offer ? offer.price + " on " + offer.network : ""], ["Transaction", receipt.transaction],
      ["Network", receipt.network], ["Payer", receipt.payer]];
    for (const [name, value] of rows) {
      if (!value) continue;
      const dd = el("dd");
      dd.append(el("code", "", String(value)));
      list.append(el("dt", "", name), dd);
    }
  }

  payButton.addEventListener("click", () => { pay().catch((e) => fail(e instanceof Shown ? e.message : "Something went wrong: " + why(e))); });
  if (!document.querySelector('input[name="offer"]')) $("pay").hidden = true;
  else payButton.disabled = false;
  showWallets();
})();
