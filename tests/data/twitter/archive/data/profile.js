window.YTD.profile.part0 = [
  {
    "profile" : {
      "description" : {
        "bio" : "Gardener. Frost, compost and seeds.",
        "website" : "https://t.co/Qx1aBcD2eF",
        "location" : "Leeds"
      },
      "avatarMediaUrl" : "https://pbs.twimg.com/profile_images/1467726999/aBcD_400x400.jpg",
      "headerMediaUrl" : "https://pbs.twimg.com/profile_banners/1467726470533754880/1638767553"
    }
  }
]