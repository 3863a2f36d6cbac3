#include "state/redis_reply.hpp"

#include <hiredis/hiredis.h>

namespace x402gw::state {

RedisValue from_hiredis(const redisReply* reply) {
  RedisValue v;
  if (!reply) return v;
  switch (reply->type) {
    case REDIS_REPLY_STRING: v.type = RedisValue::Type::string; v.text.assign(reply->str, reply->len); break;
    case REDIS_REPLY_STATUS: v.type = RedisValue::Type::status; v.text.assign(reply->str, reply->len); break;
    case REDIS_REPLY_ERROR: v.type = RedisValue::Type::error; v.text.assign(reply->str, reply->len); break;
    case REDIS_REPLY_INTEGER: v.type = RedisValue::Type::integer; v.integer = reply->integer; break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::array;
      v.elements.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; ++i) v.elements.push_back(from_hiredis(reply->element[i]));
      break;
    default: break;  // REDIS_REPLY_NIL
  }
  return v;
}

std::optional<RedisValue> parse_resp(std::string_view resp) {
  redisReader* reader = redisReaderCreate();
  if (!reader) return std::nullopt;
  std::optional<RedisValue> out;
  void* reply = nullptr;
  if (redisReaderFeed(reader, resp.data(), resp.size()) == REDIS_OK && redisReaderGetReply(reader, &reply) == REDIS_OK && reply) {
    out = from_hiredis(static_cast<redisReply*>(reply));
    freeReplyObject(reply);
  }
  redisReaderFree(reader);
  return out;
}

}  // namespace x402gw::state
