// libpulsar's results: the one hand-written list of their names and values.
//
// Everything else is derived from FASTPULSAR_RESULTS: the pulsar::Result enum below, the
// extension's name table (runtime/errors.cpp), and, by tools/update_results.py, the
// generated sections of pulsar/_enums.py, pulsar/_enums.pyi and pulsar/exceptions.py
// (pulsar-client names its Result members and exception classes the same way).
#pragma once

#include <cstdint>

// X(Name, value): one line per result, in value order, without libpulsar's "Result"
// prefix (X(Timeout, 3) is pulsar::ResultTimeout).
#define FASTPULSAR_RESULTS(X)                       \
    X(Ok, 0)                                        \
    X(UnknownError, 1)                              \
    X(InvalidConfiguration, 2)                      \
    X(Timeout, 3)                                   \
    X(LookupError, 4)                               \
    X(ConnectError, 5)                              \
    X(ReadError, 6)                                 \
    X(AuthenticationError, 7)                       \
    X(AuthorizationError, 8)                        \
    X(ErrorGettingAuthenticationData, 9)            \
    X(BrokerMetadataError, 10)                      \
    X(BrokerPersistenceError, 11)                   \
    X(ChecksumError, 12)                            \
    X(ConsumerBusy, 13)                             \
    X(NotConnected, 14)                             \
    X(AlreadyClosed, 15)                            \
    X(InvalidMessage, 16)                           \
    X(ConsumerNotInitialized, 17)                   \
    X(ProducerNotInitialized, 18)                   \
    X(ProducerBusy, 19)                             \
    X(TooManyLookupRequestException, 20)            \
    X(InvalidTopicName, 21)                         \
    X(InvalidUrl, 22)                               \
    X(ServiceUnitNotReady, 23)                      \
    X(OperationNotSupported, 24)                    \
    X(ProducerBlockedQuotaExceededError, 25)        \
    X(ProducerBlockedQuotaExceededException, 26)    \
    X(ProducerQueueIsFull, 27)                      \
    X(MessageTooBig, 28)                            \
    X(TopicNotFound, 29)                            \
    X(SubscriptionNotFound, 30)                     \
    X(ConsumerNotFound, 31)                         \
    X(UnsupportedVersionError, 32)                  \
    X(TopicTerminated, 33)                          \
    X(CryptoError, 34)                              \
    X(IncompatibleSchema, 35)                       \
    X(ConsumerAssignError, 36)                      \
    X(CumulativeAcknowledgementNotAllowedError, 37) \
    X(TransactionCoordinatorNotFoundError, 38)      \
    X(InvalidTxnStatusError, 39)                    \
    X(NotAllowedError, 40)                          \
    X(TransactionConflict, 41)                      \
    X(TransactionNotFound, 42)                      \
    X(ProducerFenced, 43)                           \
    X(MemoryBufferIsFull, 44)                       \
    X(Interrupted, 45)                              \
    X(Disconnected, 46)

namespace pulsar {

// The library's enum (one byte). Its internal ResultRetryable (-1) is left out: a value
// outside the list is reported as UnknownError (runtime/errors.cpp).
enum Result : int8_t {
#define FASTPULSAR_RESULT_ENUMERATOR(name, value) Result##name = value,
    FASTPULSAR_RESULTS(FASTPULSAR_RESULT_ENUMERATOR)
#undef FASTPULSAR_RESULT_ENUMERATOR
};

// libpulsar's spelling of a result (e.g. "TimeOut"), for "Pulsar error: <it>".
const char* strResult(Result result);

}  // namespace pulsar
