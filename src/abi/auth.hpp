// libpulsar's authentication providers and encryption key readers: made by static
// factories, handled only through shared_ptr (the classes are polymorphic).
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace pulsar {

class Authentication;
class CryptoKeyReader;

using AuthenticationPtr = std::shared_ptr<Authentication>;
using CryptoKeyReaderPtr = std::shared_ptr<CryptoKeyReader>;

class AuthFactory {
   public:
    static AuthenticationPtr create(const std::string& pluginNameOrDynamicLibPath,
                                    const std::string& authParamsString);
    // The "no authentication" object (never null: libpulsar uses it on connect).
    static AuthenticationPtr Disabled();
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

}  // namespace pulsar
