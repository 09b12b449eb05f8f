using System.Runtime.InteropServices;
using System.Security;

namespace IngressCerts.Commands.Infrastructure;

/// <summary>Short-lived plain copies of SecureStrings, wiped as soon as the caller is done.</summary>
internal static class SecureStrings
{
    public static T Use<T>(SecureString? secure, Func<char[], T> use)
    {
        if (secure is null || secure.Length == 0)
        {
            return use(Array.Empty<char>());
        }

        var chars = new char[secure.Length];
        IntPtr pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try
        {
            Marshal.Copy(pointer, chars, 0, chars.Length);
            return use(chars);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            Array.Clear(chars);
        }
    }
}
