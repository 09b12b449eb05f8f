using System.Management.Automation;
using System.Security;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>
/// Lets -Token take what Get-AzAccessToken gives in any Az.Accounts version: the object itself (its Token a
/// SecureString since Az.Accounts 5, a string before), its Token, or a SecureString or string given directly.
/// Everything becomes a SecureString, so the parameter's value never shows the token.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class TokenTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) => ToSecureString(inputData, depth: 0);

    private static object? ToSecureString(object? input, int depth)
    {
        object? value = input is PSObject wrapped ? wrapped.BaseObject : input;
        switch (value)
        {
            case null:
                return null;
            case SecureString secure:
                return secure;
            case string text:
                return FromText(text);
        }

        // An access-token object (Az's PSAccessToken, PSSecureAccessToken, or a pscustomobject like them): its Token.
        var token = PSObject.AsPSObject(input!).Properties["Token"];
        if (depth == 0 && token is not null)
        {
            return ToSecureString(token.Value, depth + 1);
        }

        // Name only the type: the object may hold a token under another name.
        throw new ArgumentTransformationMetadataException(
            $"-Token takes a SecureString, a string, or an object with a Token property (what Get-AzAccessToken returns), not a {value.GetType().Name}.");
    }

    private static SecureString FromText(string text)
    {
        var secure = new SecureString();
        foreach (char c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
