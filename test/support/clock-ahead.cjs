// Loaded with `node --require`: this process's clock runs two minutes ahead, as an operator's
// machine might. The tests use it to show that no command's clock decides who is logged out.
const realNow = Date.now;
Date.now = () => realNow() + 120_000;
