using EdgeKit.Gateway;

return await GatewayCommand.RunAsync(args, Console.Out, Console.Error);
