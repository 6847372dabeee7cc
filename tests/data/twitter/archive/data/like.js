window.YTD.like.part0 = [
  {
    "like" : {
      "tweetId" : "1852511111111111111",
      "fullText" : "Seed swap this Saturday at the community garden, bring what you saved!",
      "expandedUrl" : "https://twitter.com/i/web/status/1852511111111111111"
    }
  },
  {
    "like" : {
      "tweetId" : "1852522222222222222",
      "fullText" : "Compost tea: does it work? A thread 🧵",
      "expandedUrl" : "https://twitter.com/i/web/status/1852522222222222222"
    }
  },
  {
    "like" : {
      "tweetId" : "1852600000000000002",
      "expandedUrl" : "https://twitter.com/i/web/status/1852600000000000002"
    }
  }
]
