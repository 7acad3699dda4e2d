using Microsoft.IdentityModel.Tokens;

namespace EdgeKit.AspNetCore.Authentication;

/// <summary>A token refused by one of the JWT preset's own checks; its message is EdgeKit's text, shown only with error details on.</summary>
internal sealed class TokenRejectedException(string message) : SecurityTokenValidationException(message);
