// The payment-identifier extension's declaration and the id a payload carries.
#include "x402/payment_identifier.hpp"

#include <gtest/gtest.h>

using namespace x402gw::x402;

namespace {

PaymentPayload with_extensions(nlohmann::json extensions) {
  PaymentPayload p;
  p.version = 2;
  p.document = {{"x402Version", 2}, {"payload", nlohmann::json::object()}, {"extensions", std::move(extensions)}};
  return p;
}

}  // namespace

TEST(PaymentIdentifier, DeclarationMatchesTheReferenceShape) {
  const nlohmann::json d = payment_identifier_declaration(true);
  EXPECT_EQ(d["info"]["required"], true);
  EXPECT_EQ(d["schema"]["properties"]["id"]["minLength"], 16);
  EXPECT_EQ(d["schema"]["properties"]["id"]["maxLength"], 128);
  EXPECT_EQ(d["schema"]["required"], nlohmann::json::array({"required"}));
  EXPECT_EQ(payment_identifier_declaration(false)["info"]["required"], false);
}

TEST(PaymentIdentifier, IdFormat) {
  EXPECT_TRUE(valid_payment_id("pay_7d5d747be160e280504c099d984bcfe0"));
  EXPECT_TRUE(valid_payment_id(std::string(16, 'a')));
  EXPECT_TRUE(valid_payment_id(std::string(128, '-')));
  EXPECT_FALSE(valid_payment_id(std::string(15, 'a')));
  EXPECT_FALSE(valid_payment_id(std::string(129, 'a')));
  EXPECT_FALSE(valid_payment_id("pay_7d5d747be160e2805 04c099d"));
  EXPECT_FALSE(valid_payment_id("pay_7d5d747be160e2805\n04c099d"));
}

TEST(PaymentIdentifier, IdOfAPayload) {
  const auto good = payment_id_of(with_extensions({{"payment-identifier", {{"info", {{"required", false}, {"id", "pay_0123456789abcdef"}}}}}}));
  EXPECT_TRUE(good.present);
  EXPECT_TRUE(good.valid);
  EXPECT_EQ(good.id, "pay_0123456789abcdef");

  const auto bad = payment_id_of(with_extensions({{"payment-identifier", {{"info", {{"id", "short"}}}}}}));
  EXPECT_TRUE(bad.present);
  EXPECT_FALSE(bad.valid);
  const auto not_string = payment_id_of(with_extensions({{"payment-identifier", {{"info", {{"id", 12}}}}}}));
  EXPECT_TRUE(not_string.present);
  EXPECT_FALSE(not_string.valid);

  // Echoed without an id, another extension, or none at all: no id.
  EXPECT_FALSE(payment_id_of(with_extensions({{"payment-identifier", {{"info", {{"required", true}}}}}})).present);
  EXPECT_FALSE(payment_id_of(with_extensions({{"bazaar", {{"info", {{"id", "pay_0123456789abcdef"}}}}}})).present);
  PaymentPayload v1;
  v1.document = {{"x402Version", 1}, {"payload", nlohmann::json::object()}};
  EXPECT_FALSE(payment_id_of(v1).present);
}
