// libpulsar's encryption context of a received message (Message::getEncryptionContext in
// abi/message.hpp). Plain data read through inline accessors: the members must be laid
// out as the library's (checked: the context sits at offset 0x1a0 of MessageImpl and its
// std::optional flag at 0x208, so the class is 104 bytes). We only read these objects
// through const pointers the library hands out; we never make or destroy one.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "abi/enums.hpp"

namespace pulsar {

// One data key of the message, encrypted with the public key named `key`.
struct EncryptionKey {
    std::string key;    // the key's name (the producer's encryption_key)
    std::string value;  // the encrypted data key
    std::unordered_map<std::string, std::string> metadata;
};

class EncryptionContext {
   public:
    const std::vector<EncryptionKey>& keys() const noexcept { return keys_; }
    const std::string& param() const noexcept { return param_; }  // the cipher's IV
    const std::string& algorithm() const noexcept { return algorithm_; }
    CompressionType compressionType() const noexcept { return compressionType_; }
    uint32_t uncompressedMessageSize() const noexcept { return uncompressedMessageSize_; }
    int32_t batchSize() const noexcept { return batchSize_; }  // -1 when not batched
    bool isDecryptionFailed() const noexcept { return isDecryptionFailed_; }

   private:
    std::vector<EncryptionKey> keys_;
    std::string param_;
    std::string algorithm_;
    CompressionType compressionType_;
    uint32_t uncompressedMessageSize_;
    int32_t batchSize_;
    bool isDecryptionFailed_;
};

}  // namespace pulsar
