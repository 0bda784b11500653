// libpulsar's schema descriptions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "abi/message.hpp"  // StringMap

namespace pulsar {

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

// How a KeyValue schema's messages carry the key (the library's enum class: int, in this
// order). SEPARATED: as the message's partition key, the value as the payload. INLINE: both
// in the payload, each after its length (4 bytes, big-endian; -1 for an empty one).
enum class KeyValueEncodingType { SEPARATED, INLINE };

class SchemaInfoImpl;

class SchemaInfo {
   public:
    SchemaInfo();  // BYTES, named "BYTES", empty definition and properties
    SchemaInfo(SchemaType schemaType, const std::string& name, const std::string& schema,
               const StringMap& properties);
    // A KEY_VALUE schema named "KeyValue": the two definitions in its definition (each
    // after its 4-byte big-endian length), and in its properties each one's name, type and
    // properties ("key.schema.name", ..., "value.schema.properties") and the encoding
    // ("kv.encoding.type": "SEPARATED" or "INLINE").
    SchemaInfo(const SchemaInfo& keySchema, const SchemaInfo& valueSchema,
               const KeyValueEncodingType& keyValueEncodingType);
    SchemaType getSchemaType() const;
    const std::string& getName() const;
    const std::string& getSchema() const;
    const StringMap& getProperties() const;

   private:
    std::shared_ptr<SchemaInfoImpl> impl_;
};

}  // namespace pulsar
