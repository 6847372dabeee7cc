window.YTD.verified.part0 = [
  {
    "verified" : {
      "accountId" : "1467726470533754880",
      "verified" : false
    }
  }
]