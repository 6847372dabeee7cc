window.YTD.follower.part0 = [
  {
    "follower" : {
      "accountId" : "783214",
      "userLink" : "https://twitter.com/intent/user?user_id=783214"
    }
  },
  {
    "follower" : {
      "accountId" : "1350705206061744128",
      "userLink" : "https://twitter.com/intent/user?user_id=1350705206061744128"
    }
  },
  {
    "follower" : {
      "accountId" : "2244134066",
      "userLink" : "https://twitter.com/intent/user?user_id=2244134066"
    }
  },
  {
    "follower" : {
      "accountId" : "1484142330273832968",
      "userLink" : "https://twitter.com/intent/user?user_id=1484142330273832968"
    }
  }
]