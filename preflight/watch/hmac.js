// HMAC-SHA-256 in plain JavaScript, for preflight's init scripts (the probe, the panel): what
// signs their messages with the per-document key (issue #25). Synchronous (WebCrypto's is not,
// and a message must be signed when it is sent), and on built-ins captured before any page
// script runs: typed arrays and arithmetic only, no method a page can replace.
const hmacHex = (() => {
  const U8 = Uint8Array, I32 = Int32Array;
  const encoder = new TextEncoder();
  const encode = TextEncoder.prototype.encode;
  const bytesOf = (text) => Reflect.apply(encode, encoder, [String(text)]);
  const K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
  const H = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
  const HEX = "0123456789abcdef";
  function sha256(msg) {
    const l = msg.length;
    const size = ((l + 9 + 63) >> 6) << 6;
    const b = new U8(size);
    for (let i = 0; i < l; i++) b[i] = msg[i];
    b[l] = 0x80;
    const hi = (l / 536870912) | 0, lo = (l * 8) >>> 0;
    b[size - 8] = hi >>> 24; b[size - 7] = (hi >>> 16) & 255; b[size - 6] = (hi >>> 8) & 255; b[size - 5] = hi & 255;
    b[size - 4] = lo >>> 24; b[size - 3] = (lo >>> 16) & 255; b[size - 2] = (lo >>> 8) & 255; b[size - 1] = lo & 255;
    const h = new I32(8);
    for (let i = 0; i < 8; i++) h[i] = H[i];
    const w = new I32(64);
    for (let off = 0; off < size; off += 64) {
      for (let i = 0; i < 16; i++) {
        const j = off + 4 * i;
        w[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const x = w[i - 15], y = w[i - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let a = h[0], c1 = h[1], c2 = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & c1) ^ (a & c2) ^ (c1 & c2))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c2; c2 = c1; c1 = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + c1) | 0; h[2] = (h[2] + c2) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    const out = new U8(32);
    for (let i = 0; i < 8; i++) {
      out[4 * i] = h[i] >>> 24; out[4 * i + 1] = (h[i] >>> 16) & 255;
      out[4 * i + 2] = (h[i] >>> 8) & 255; out[4 * i + 3] = h[i] & 255;
    }
    return out;
  }
  function joined(first, second) {
    const out = new U8(first.length + second.length);
    for (let i = 0; i < first.length; i++) out[i] = first[i];
    for (let i = 0; i < second.length; i++) out[first.length + i] = second[i];
    return out;
  }
  // HMAC(key, text) as lowercase hex, both taken as UTF-8 (Python: hmac.new(key, text, sha256)).
  return (key, text) => {
    let k = bytesOf(key);
    if (k.length > 64) k = sha256(k);
    const inner = new U8(64), outer = new U8(64);
    for (let i = 0; i < 64; i++) {
      const byte = i < k.length ? k[i] : 0;
      inner[i] = byte ^ 0x36;
      outer[i] = byte ^ 0x5c;
    }
    const mac = sha256(joined(outer, sha256(joined(inner, bytesOf(text)))));
    let hex = "";
    for (let i = 0; i < mac.length; i++) hex += HEX[mac[i] >> 4] + HEX[mac[i] & 15];
    return hex;
  };
})();
