// The part of libpulsar 4.2.0's C++ API that fastpulsar uses, declared by us.
//
// libpulsar ships as a binary without headers (inside the pulsar-client 3.13.0
// wheel). Everything here was written from `nm -DC` of that library, from the
// disassembly of the functions concerned, and from
// shared/reference/libpulsar-4.2.0-abi.md. This is the only file that declares
// libpulsar; every other file includes it.
//
// Rules that keep these declarations honest:
// - Each value class holds exactly what the library's does (one shared_ptr, or a
//   vptr and a shared_ptr for Consumer), so objects can be passed and returned by
//   value across the boundary.
// - A return type is not part of a mangled name. Getters that the disassembly
//   shows returning a reference (`this` in %rdi, no hidden result pointer) are
//   declared returning a const reference; those writing through a hidden pointer
//   are declared returning by value.
// - Setters are declared returning void: the library's return the object (or
//   nothing), and ignoring a returned register is always safe.
// - Enums carry the library's underlying type (it reads one byte or four).
// - tests/test_abi.py checks that every pulsar:: symbol the extension needs is
//   exported by the bundled library; the extension links with -z now, so a
//   missing symbol fails the import.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pulsar {

// ---- enums -----------------------------------------------------------------

enum Result : int8_t {
    ResultRetryable = -1,
    ResultOk = 0,
    ResultUnknownError = 1,
    ResultInvalidConfiguration = 2,
    ResultTimeout = 3,
    ResultLookupError = 4,
    ResultConnectError = 5,
    ResultReadError = 6,
    ResultAuthenticationError = 7,
    ResultAuthorizationError = 8,
    ResultErrorGettingAuthenticationData = 9,
    ResultBrokerMetadataError = 10,
    ResultBrokerPersistenceError = 11,
    ResultChecksumError = 12,
    ResultConsumerBusy = 13,
    ResultNotConnected = 14,
    ResultAlreadyClosed = 15,
    ResultInvalidMessage = 16,
    ResultConsumerNotInitialized = 17,
    ResultProducerNotInitialized = 18,
    ResultProducerBusy = 19,
    ResultTooManyLookupRequestException = 20,
    ResultInvalidTopicName = 21,
    ResultInvalidUrl = 22,
    ResultServiceUnitNotReady = 23,
    ResultOperationNotSupported = 24,
    ResultProducerBlockedQuotaExceededError = 25,
    ResultProducerBlockedQuotaExceededException = 26,
    ResultProducerQueueIsFull = 27,
    ResultMessageTooBig = 28,
    ResultTopicNotFound = 29,
    ResultSubscriptionNotFound = 30,
    ResultConsumerNotFound = 31,
    ResultUnsupportedVersionError = 32,
    ResultTopicTerminated = 33,
    ResultCryptoError = 34,
    ResultIncompatibleSchema = 35,
    ResultConsumerAssignError = 36,
    ResultCumulativeAcknowledgementNotAllowedError = 37,
    ResultTransactionCoordinatorNotFoundError = 38,
    ResultInvalidTxnStatusError = 39,
    ResultNotAllowedError = 40,
    ResultTransactionConflict = 41,
    ResultTransactionNotFound = 42,
    ResultProducerFenced = 43,
    ResultMemoryBufferIsFull = 44,
    ResultInterrupted = 45,
    ResultDisconnected = 46,
};

const char* strResult(Result result);

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

enum class ProducerCryptoFailureAction : uint8_t { FAIL = 0, SEND = 1 };
// ConsumerConfiguration::setCryptoFailureAction stores four bytes.
enum class ConsumerCryptoFailureAction : int32_t { FAIL = 0, DISCARD = 1, CONSUME = 2 };

enum SchemaType : int8_t {
    NONE = 0,
    STRING = 1,
    JSON = 2,
    PROTOBUF = 3,
    AVRO = 4,
    INT8 = 6,
    INT16 = 7,
    INT32 = 8,
    INT64 = 9,
    FLOAT = 10,
    DOUBLE = 11,
    KEY_VALUE = 15,
    PROTOBUF_NATIVE = 20,
    BYTES = -1,
    AUTO_CONSUME = -3,
    AUTO_PUBLISH = -4,
};

using StringMap = std::map<std::string, std::string>;

// ---- opaque implementation types ---------------------------------------------

class ClientImpl;
class ClientConfigurationImpl;
class ProducerImplBase;
class ProducerConfigurationImpl;
class ConsumerImplBase;
class ConsumerConfigurationImpl;
class MessageImpl;
class MessageIdImpl;
class SchemaInfoImpl;
class Authentication;  // polymorphic; only ever handled through shared_ptr
class CryptoKeyReader;  // polymorphic; only ever handled through shared_ptr

using AuthenticationPtr = std::shared_ptr<Authentication>;
using CryptoKeyReaderPtr = std::shared_ptr<CryptoKeyReader>;

// ---- message ids and messages ------------------------------------------------

class MessageId {
   public:
    MessageId();
    MessageId(int32_t partition, int64_t ledgerId, int64_t entryId, int32_t batchIndex);
    MessageId(const MessageId&) = default;
    MessageId(MessageId&&) = default;  // ours: moves the shared_ptr
    MessageId& operator=(const MessageId&);
    ~MessageId();

    static const MessageId& earliest();  // returns a reference to a static
    static const MessageId& latest();
    static MessageId deserialize(const std::string& serializedMessageId);  // throws invalid_argument
    void serialize(std::string& result) const;
    void setTopicName(const std::string& topicName);

    int64_t ledgerId() const;
    int64_t entryId() const;
    int32_t batchIndex() const;
    int32_t batchSize() const;
    int32_t partition() const;

    bool operator<(const MessageId& other) const;
    bool operator<=(const MessageId& other) const;
    bool operator>(const MessageId& other) const;
    bool operator>=(const MessageId& other) const;
    bool operator==(const MessageId& other) const;
    bool operator!=(const MessageId& other) const;

   private:
    std::shared_ptr<MessageIdImpl> impl_;
};

// Prints (ledger,entry,partition,batch); a chunked message's id prints its first
// and last chunks, "(l,e0,p,b);(l,eN,p,b)".
std::ostream& operator<<(std::ostream& out, const MessageId& messageId);

class Message {
   public:
    Message();

    const void* getData() const;
    std::size_t getLength() const;
    const StringMap& getProperties() const;
    const std::string& getPartitionKey() const;
    bool hasPartitionKey() const;
    const std::string& getOrderingKey() const;
    bool hasOrderingKey() const;
    uint64_t getPublishTimestamp() const;
    uint64_t getEventTimestamp() const;
    const MessageId& getMessageId() const;
    const std::string& getTopicName() const;
    int getRedeliveryCount() const;
    bool hasNullValue() const;
    const std::string& getProducerName() const;
    bool hasSchemaVersion() const;
    const std::string& getSchemaVersion() const;

   private:
    std::shared_ptr<MessageImpl> impl_;
};

class MessageBuilder {
   public:
    MessageBuilder();

    Message build();  // the builder keeps sharing the message: call create() before reuse
    void create();

    void setContent(const void* data, std::size_t size);  // copies
    void setProperty(const std::string& name, const std::string& value);
    void setProperties(const StringMap& properties);
    void setPartitionKey(const std::string& partitionKey);
    void setOrderingKey(const std::string& orderingKey);
    void setDeliverAfter(std::chrono::milliseconds delay);
    void setDeliverAt(uint64_t deliveryTimestampMs);
    void setEventTimestamp(uint64_t eventTimestampMs);
    void setSequenceId(int64_t sequenceId);
    void setReplicationClusters(const std::vector<std::string>& clusters);
    void disableReplication(bool flag);
    void setNullValue();

   private:
    std::shared_ptr<MessageImpl> impl_;
};

// ---- schema ---------------------------------------------------------------------

class SchemaInfo {
   public:
    SchemaInfo();
    SchemaInfo(SchemaType schemaType, const std::string& name, const std::string& schema,
               const StringMap& properties);
    SchemaType getSchemaType() const;
    const std::string& getName() const;
    const std::string& getSchema() const;

   private:
    std::shared_ptr<SchemaInfoImpl> impl_;
};

// ---- authentication and encryption ----------------------------------------------

class AuthFactory {
   public:
    static AuthenticationPtr Disabled();
    static AuthenticationPtr create(const std::string& pluginNameOrDynamicLibPath,
                                    const std::string& authParamsString);
};

class AuthToken {
   public:
    static AuthenticationPtr createWithToken(const std::string& token);
    static AuthenticationPtr create(const std::function<std::string()>& tokenSupplier);
};

class AuthTls {
   public:
    static AuthenticationPtr create(const std::string& certificatePath,
                                    const std::string& privateKeyPath);
};

class AuthBasic {
   public:
    static AuthenticationPtr create(const std::string& username, const std::string& password,
                                    const std::string& method);
};

class AuthOauth2 {
   public:
    static AuthenticationPtr create(const std::string& authParamsString);
};

class DefaultCryptoKeyReader {
   public:
    static CryptoKeyReaderPtr create(const std::string& publicKeyPath,
                                     const std::string& privateKeyPath);
};

// ---- logging: interfaces the library calls through their vtables -----------------

class Logger {
   public:
    enum Level : uint8_t { LEVEL_DEBUG = 0, LEVEL_INFO = 1, LEVEL_WARN = 2, LEVEL_ERROR = 3 };
    virtual ~Logger() {}
    virtual bool isEnabled(Level level) = 0;
    virtual void log(Level level, int line, const std::string& message) = 0;
};

class LoggerFactory {
   public:
    virtual ~LoggerFactory() {}
    // The library owns (and deletes) the returned logger.
    virtual Logger* getLogger(const std::string& fileName) = 0;
};

// ---- partition routing: interfaces the library calls through their vtables --------

class TopicMetadata {
   public:
    virtual ~TopicMetadata() {}
    virtual int getNumPartitions() const = 0;
};

class MessageRoutingPolicy {
   public:
    virtual ~MessageRoutingPolicy() {}
    // Deprecated slot; kept for the vtable's layout. Implementations override the
    // two-argument form, which the library calls.
    virtual int getPartition(const Message& msg) {
        throw std::logic_error("MessageRoutingPolicy::getPartition(msg) is not implemented");
    }
    virtual int getPartition(const Message& msg, const TopicMetadata& topicMetadata) {
        return getPartition(msg);
    }
};

// ---- configuration -----------------------------------------------------------------

class ClientConfiguration {
   public:
    ClientConfiguration();
    ClientConfiguration(const ClientConfiguration&);  // shallow: shares settings
    ClientConfiguration& operator=(const ClientConfiguration&);
    ~ClientConfiguration();

    void setAuth(const AuthenticationPtr& authentication);
    void setOperationTimeoutSeconds(int timeout);
    void setConnectionTimeout(int timeoutMs);
    void setIOThreads(int threads);
    void setMessageListenerThreads(int threads);
    void setConcurrentLookupRequest(int concurrentLookupRequest);
    void setStatsIntervalInSeconds(const unsigned int& statsIntervalInSeconds);
    void setLogger(LoggerFactory* loggerFactory);  // takes ownership
    void setTlsTrustCertsFilePath(const std::string& path);
    void setTlsAllowInsecureConnection(bool allowInsecure);
    void setValidateHostName(bool validateHostName);
    void setTlsPrivateKeyFilePath(const std::string& path);
    void setTlsCertificateFilePath(const std::string& path);
    void setListenerName(const std::string& listenerName);

   private:
    std::shared_ptr<ClientConfigurationImpl> impl_;
};

class ProducerConfiguration {
   public:
    enum PartitionsRoutingMode : uint8_t {
        UseSinglePartition = 0,
        RoundRobinDistribution = 1,
        CustomPartition = 2,
    };
    enum HashingScheme : uint8_t { Murmur3_32Hash = 0, BoostHash = 1, JavaStringHash = 2 };
    enum BatchingType : uint8_t { DefaultBatching = 0, KeyBasedBatching = 1 };
    enum ProducerAccessMode : uint8_t {
        Shared = 0,
        Exclusive = 1,
        WaitForExclusive = 2,
        ExclusiveWithFencing = 3,
    };

    ProducerConfiguration();
    ProducerConfiguration(const ProducerConfiguration&);  // shallow: shares settings
    ProducerConfiguration& operator=(const ProducerConfiguration&);
    ~ProducerConfiguration();

    void setProducerName(const std::string& producerName);
    void setSchema(const SchemaInfo& schemaInfo);
    void setSendTimeout(int sendTimeoutMs);
    void setInitialSequenceId(int64_t initialSequenceId);
    void setCompressionType(CompressionType compressionType);
    void setMaxPendingMessages(int maxPendingMessages);
    int getMaxPendingMessages() const;
    void setMaxPendingMessagesAcrossPartitions(int maxPendingMessagesAcrossPartitions);
    void setBlockIfQueueFull(bool block);
    void setPartitionsRoutingMode(const PartitionsRoutingMode& mode);
    void setMessageRouter(const std::shared_ptr<MessageRoutingPolicy>& router);
    void setLazyStartPartitionedProducers(bool lazy);
    void setBatchingEnabled(const bool& batchingEnabled);
    void setBatchingMaxMessages(const unsigned int& batchingMaxMessages);
    void setBatchingMaxAllowedSizeInBytes(const unsigned long& batchingMaxAllowedSizeInBytes);
    void setBatchingMaxPublishDelayMs(const unsigned long& batchingMaxPublishDelayMs);
    void setBatchingType(BatchingType batchingType);
    void setChunkingEnabled(bool chunkingEnabled);
    void setAccessMode(const ProducerAccessMode& accessMode);
    void setProperty(const std::string& name, const std::string& value);
    void addEncryptionKey(const std::string& key);
    void setCryptoKeyReader(CryptoKeyReaderPtr cryptoKeyReader);
    void setCryptoFailureAction(ProducerCryptoFailureAction action);

   private:
    std::shared_ptr<ProducerConfigurationImpl> impl_;
};

class ConsumerConfiguration {
   public:
    ConsumerConfiguration();
    ConsumerConfiguration(const ConsumerConfiguration&);  // shallow: shares settings
    ConsumerConfiguration& operator=(const ConsumerConfiguration&);
    ~ConsumerConfiguration();

    void setSchema(const SchemaInfo& schemaInfo);
    void setConsumerType(ConsumerType consumerType);
    void setReceiverQueueSize(int size);
    void setMaxTotalReceiverQueueSizeAcrossPartitions(int maxTotalReceiverQueueSizeAcrossPartitions);
    void setConsumerName(const std::string& consumerName);
    void setUnAckedMessagesTimeoutMs(const uint64_t milliSeconds);
    void setNegativeAckRedeliveryDelayMs(long redeliveryDelayMillis);
    void setBrokerConsumerStatsCacheTimeInMs(const long cacheTimeInMs);
    void setReadCompacted(bool compacted);
    void setPatternAutoDiscoveryPeriod(int periodInSeconds);
    void setRegexSubscriptionMode(RegexSubscriptionMode regexSubscriptionMode);
    void setSubscriptionInitialPosition(InitialPosition subscriptionInitialPosition);
    void setProperty(const std::string& name, const std::string& value);
    void setCryptoKeyReader(CryptoKeyReaderPtr cryptoKeyReader);
    void setCryptoFailureAction(ConsumerCryptoFailureAction action);
    void setReplicateSubscriptionStateEnabled(bool enabled);
    void setMaxPendingChunkedMessage(std::size_t maxPendingChunkedMessage);
    void setAutoAckOldestChunkedMessageOnQueueFull(bool autoAckOldestChunkedMessageOnQueueFull);
    void setStartMessageIdInclusive(bool startMessageIdInclusive);
    void setBatchIndexAckEnabled(bool enabled);

   private:
    std::shared_ptr<ConsumerConfigurationImpl> impl_;
};

// ---- producer, consumer, client --------------------------------------------------

using ResultCallback = std::function<void(Result)>;
using SendCallback = std::function<void(Result, const MessageId&)>;

class Producer {
   public:
    Producer();  // a null handle: only the client hands out usable producers

    const std::string& getTopic() const;
    const std::string& getProducerName() const;
    int64_t getLastSequenceId() const;
    const std::string& getSchemaVersion() const;
    bool isConnected() const;

    // Runs the callback on a library thread, or synchronously on the caller's
    // thread for immediate failures; blocks when the queue is full and
    // block-if-queue-full is on.
    void sendAsync(const Message& msg, const SendCallback& callback);
    void flushAsync(const ResultCallback& callback);
    void closeAsync(const ResultCallback& callback);

   private:
    std::shared_ptr<ProducerImplBase> impl_;
};

// Polymorphic in the library: a vptr, then the shared_ptr. The vtable
// (_ZTVN6pulsar8ConsumerE) is the library's: the destructor's two slots, then the
// two seekAsync overloads, which are defined out of line there.
class Consumer {
   public:
    Consumer();
    virtual ~Consumer() = default;
    virtual void seekAsync(const MessageId& msgId, const ResultCallback& callback);
    virtual void seekAsync(uint64_t timestamp, const ResultCallback& callback);

    const std::string& getTopic() const;
    const std::string& getSubscriptionName() const;
    const std::string& getConsumerName() const;
    bool isConnected() const;

    Result receive(Message& msg, int timeoutMs);
    void acknowledgeAsync(const MessageId& messageId, const ResultCallback& callback);
    void acknowledgeCumulativeAsync(const MessageId& messageId, const ResultCallback& callback);
    void negativeAcknowledge(const MessageId& messageId);
    void unsubscribeAsync(const ResultCallback& callback);
    void closeAsync(const ResultCallback& callback);

   private:
    std::shared_ptr<ConsumerImplBase> impl_;
};

using CreateProducerCallback = std::function<void(Result, Producer)>;
using SubscribeCallback = std::function<void(Result, Consumer)>;
using GetPartitionsCallback = std::function<void(Result, const std::vector<std::string>&)>;

class Client {
   public:
    explicit Client(const std::string& serviceUrl);  // throws invalid_argument on a bad URL
    Client(const std::string& serviceUrl, const ClientConfiguration& clientConfiguration);

    void createProducerAsync(const std::string& topic, const ProducerConfiguration& conf,
                             const CreateProducerCallback& callback);
    void subscribeAsync(const std::string& topic, const std::string& subscriptionName,
                        const ConsumerConfiguration& conf, const SubscribeCallback& callback);
    void subscribeAsync(const std::vector<std::string>& topics, const std::string& subscriptionName,
                        const ConsumerConfiguration& conf, const SubscribeCallback& callback);
    void subscribeWithRegexAsync(const std::string& regexPattern,
                                 const std::string& subscriptionName,
                                 const ConsumerConfiguration& conf,
                                 const SubscribeCallback& callback);
    void getPartitionsForTopicAsync(const std::string& topic, const GetPartitionsCallback& callback);
    void closeAsync(const ResultCallback& callback);
    void shutdown();

   private:
    std::shared_ptr<ClientImpl> impl_;
};

}  // namespace pulsar
