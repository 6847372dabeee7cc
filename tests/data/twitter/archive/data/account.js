window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "alice@example.com",
      "createdVia" : "web",
      "username" : "garden_alice",
      "accountId" : "1467726470533754880",
      "createdAt" : "2021-12-06T05:12:33.123Z",
      "accountDisplayName" : "Alice 🌱"
    }
  }
]