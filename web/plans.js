// plans.js
