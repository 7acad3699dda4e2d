namespace EdgeKit.AotSmoke;

/// <summary>An in-memory terminal handler: answers 200 with the request's authority and path and query, without a network.</summary>
internal sealed class EchoHandler : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
        {
            RequestMessage = request,
            Content = new StringContent(request.RequestUri!.Authority + request.RequestUri.PathAndQuery),
        });
}
