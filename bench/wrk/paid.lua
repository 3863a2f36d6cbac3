-- A fresh payment on every request: the header is prefix .. base64(12 digits) .. suffix, where
-- the 12 digits are the end of the EIP-3009 nonce. The suite pads the JSON so that the digits
-- start on a 3-byte boundary, which lets the three base64 pieces be concatenated.
-- Arguments: HEADER_NAME PREFIX_B64 SUFFIX_B64 FIRST_NONCE
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local header_name, prefix, suffix, counter

local function b64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + b * 256 + c
    out[#out + 1] = alphabet:sub(math.floor(n / 262144) + 1, math.floor(n / 262144) + 1)
    out[#out + 1] = alphabet:sub(math.floor(n / 4096) % 64 + 1, math.floor(n / 4096) % 64 + 1)
    out[#out + 1] = alphabet:sub(math.floor(n / 64) % 64 + 1, math.floor(n / 64) % 64 + 1)
    out[#out + 1] = alphabet:sub(n % 64 + 1, n % 64 + 1)
  end
  return table.concat(out)
end

function init(args)
  header_name, prefix, suffix, counter = args[1], args[2], args[3], tonumber(args[4])
end

function request()
  counter = counter + 1
  local headers = {}
  headers[header_name] = prefix .. b64(string.format("%012d", counter)) .. suffix
  return wrk.format("GET", nil, headers)
end
