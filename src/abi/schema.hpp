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

class SchemaInfoImpl;

class SchemaInfo {
   public:
    SchemaInfo(SchemaType schemaType, const std::string& name, const std::string& schema,
               const StringMap& properties);
    SchemaType getSchemaType() const;
    const std::string& getName() const;
    const std::string& getSchema() const;

   private:
    std::shared_ptr<SchemaInfoImpl> impl_;
};

}  // namespace pulsar
