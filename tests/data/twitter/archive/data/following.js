window.YTD.following.part0 = [
  {
    "following" : {
      "accountId" : "783214",
      "userLink" : "https://twitter.com/intent/user?user_id=783214"
    }
  },
  {
    "following" : {
      "accountId" : "2244134066",
      "userLink" : "https://twitter.com/intent/user?user_id=2244134066"
    }
  }
]