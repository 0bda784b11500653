// libpulsar's configuration enums at namespace scope, with the library's underlying
// types (it reads one byte or four).
#pragma once

#include <cstdint>

namespace pulsar {

enum CompressionType : uint8_t {
    CompressionNone = 0,
    CompressionLZ4 = 1,
    CompressionZLib = 2,
    CompressionZSTD = 3,
    CompressionSNAPPY = 4,
};

// setConsumerType stores one byte.
enum ConsumerType : uint8_t {
    ConsumerExclusive = 0,
    ConsumerShared = 1,
    ConsumerFailover = 2,
    ConsumerKeyShared = 3,
};

// setSubscriptionInitialPosition stores one byte.
enum InitialPosition : uint8_t {
    InitialPositionLatest = 0,
    InitialPositionEarliest = 1,
};

// setRegexSubscriptionMode stores four bytes.
enum RegexSubscriptionMode : int32_t {
    PersistentOnly = 0,
    NonPersistentOnly = 1,
    AllTopics = 2,
};

// ConsumerConfiguration::setCryptoFailureAction stores four bytes.
enum class ConsumerCryptoFailureAction : int32_t { FAIL = 0, DISCARD = 1, CONSUME = 2 };

}  // namespace pulsar
