// libpulsar's message ids, messages, message builder and message batch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "abi/encryption.hpp"

namespace pulsar {

using StringMap = std::map<std::string, std::string>;

class MessageImpl;
class MessageIdImpl;
class KeyValueImpl;

// The key and value of a message of a KeyValue schema, for the send path only: a producer
// whose schema is a KeyValue one lays out the payload from it. (The library also fills one
// at receipt for a consumer whose schema is a KeyValue one, splitting the payload without
// checking the lengths in it: fastpulsar never gives a consumer such a schema, see
// pulsar/schema/keyvalue.py.)
class KeyValue {
   public:
    KeyValue(std::string&& key, std::string&& value);

   private:
    std::shared_ptr<KeyValueImpl> impl_;
};

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
    // Throws std::invalid_argument for bytes that are not a serialized id.
    static MessageId deserialize(const std::string& serializedMessageId);
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
    const std::string& getOrderingKey() const;
    uint64_t getPublishTimestamp() const;
    uint64_t getEventTimestamp() const;
    const MessageId& getMessageId() const;
    const std::string& getTopicName() const;
    int getRedeliveryCount() const;
    bool hasNullValue() const;
    const std::string& getProducerName() const;
    const std::string& getSchemaVersion() const;
    // The schema version as the big-endian int64 of its 8 bytes; -1 when there is none.
    int64_t getLongSchemaVersion() const;
    // Engaged when the message was encrypted (whether or not it was decrypted); the
    // context lives inside the message: valid while a copy of this Message lives.
    std::optional<const EncryptionContext*> getEncryptionContext() const;

   private:
    std::shared_ptr<MessageImpl> impl_;
};

// Splits the payload of a batched entry into its messages. Its parseFrom reads the sizes
// in the payload without checking them against its length: only hand it a payload
// checked first (core/message_batch.cpp). Not polymorphic; the destructor is implicit.
class MessageBatch {
   public:
    MessageBatch();

    void withMessageId(const MessageId& messageId);
    // Copies the payload; batchSize is the number of messages in it.
    void parseFrom(const std::string& payload, uint32_t batchSize);
    const std::vector<Message>& messages();

   private:
    std::shared_ptr<MessageImpl> impl_;
    Message batchMessage_;
    std::vector<Message> batch_;
};

class MessageBuilder {
   public:
    MessageBuilder();

    Message build();  // the builder keeps sharing the message: one builder per message

    void setContent(const void* data, std::size_t size);  // copies
    // The producer's KeyValue schema makes the payload of it when the message is sent
    // (a producer with another schema must never be given such a message).
    void setContent(const KeyValue& keyValue);
    void setProperty(const std::string& name, const std::string& value);
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

}  // namespace pulsar
